package dev.mailpipe.runtime;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Settings for the few plain Kafka clients a stage runs beside its messaging channels (the registry
 * view, the retry scheduler), taken from the same shared {@code kafka.*} configuration as the
 * channels, so that there is still one Kafka config block.
 */
public final class KafkaClients {
    private KafkaClients() {
    }

    /** The shared settings a consumer understands, without a group (callers add their own). */
    public static Map<String, Object> consumer(Map<String, Object> shared) {
        Map<String, Object> out = only(shared, ConsumerConfig.configNames());
        out.remove(ConsumerConfig.GROUP_ID_CONFIG);
        out.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return out;
    }

    /** The shared settings a producer understands. */
    /**
     * A tool's consumer of whole records (read committed, offsets committed by hand), for the
     * command line and the replay of dead letters.
     *
     * @param group the group whose offsets the caller commits itself, or null for none
     */
    public static org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> reader(String bootstrap, String group) {
        java.util.Properties c = new java.util.Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        if (group != null) {
            c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, dev.mailpipe.model.Topics.MAX_RECORD_BYTES);
        return new org.apache.kafka.clients.consumer.KafkaConsumer<>(c,
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer());
    }

    /** The settings an admin client takes from the shared ones (bootstrap, security). */
    public static Map<String, Object> admin(Map<String, Object> shared) {
        return only(shared, org.apache.kafka.clients.admin.AdminClientConfig.configNames());
    }

    public static Map<String, Object> producer(Map<String, Object> shared) {
        return only(shared, ProducerConfig.configNames());
    }

    private static Map<String, Object> only(Map<String, Object> shared, Set<String> names) {
        Map<String, Object> out = new HashMap<>();
        shared.forEach((k, v) -> {
            if (names.contains(k)) {
                out.put(k, v);
            }
        });
        return out;
    }
}
