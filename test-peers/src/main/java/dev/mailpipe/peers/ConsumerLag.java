package dev.mailpipe.peers;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * How far a consumer group is behind on a topic: the evidence that a stage has finished with all
 * its input (every outcome recorded, since offsets move only after), where a test would otherwise
 * sleep and hope.
 *
 * <p>Counted as the records a read_committed reader finds past the group's committed offsets, not
 * as end offset minus committed offset: a transaction's commit marker takes an offset of its own
 * after the last record, which no consumer ever commits past.
 */
public final class ConsumerLag {
    private ConsumerLag() {
    }

    /** Records of {@code topic} not yet committed by {@code group}; -1 while the broker cannot answer. */
    public static long of(String bootstrap, String group, String topic) {
        Map<TopicPartition, OffsetAndMetadata> committed;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        } catch (ExecutionException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(parts);
            for (TopicPartition tp : parts) {
                OffsetAndMetadata at = committed.get(tp);
                if (at == null) {
                    c.seekToBeginning(List.of(tp));
                } else {
                    c.seek(tp, at.offset());
                }
            }
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long records = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (parts.stream().anyMatch(p -> c.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    return -1;
                }
                records += c.poll(Duration.ofMillis(100)).count();
            }
            return records;
        }
    }

    public static boolean caughtUp(String bootstrap, String group, String topic) {
        return of(bootstrap, group, topic) == 0;
    }
}
