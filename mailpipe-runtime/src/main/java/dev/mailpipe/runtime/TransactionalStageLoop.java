package dev.mailpipe.runtime;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The loop of a stage that is exactly once (routing, content-filter): poll its input topic, turn
 * the records into what it writes ({@link #process}), and commit that together with the poll's
 * offsets in one Kafka transaction. A crash or a failed send aborts the transaction, and the same
 * records are read again from the committed offsets.
 *
 * <p>An empty poll that moved past a transaction's marker alone is committed too (no records, the
 * offsets), so a caught-up group shows lag 0 as Kafka, KEDA and the dashboard count it; one that
 * moved nothing commits nothing.
 */
public abstract class TransactionalStageLoop extends StageLoop {
    /** What the stage reads, as which group, with which transactional id, and how much a poll. */
    public record Input(String topic, String group, String transactionalId, int batchSize) {
    }

    /** The shared Kafka settings ({@code kafka.*}). */
    protected abstract Map<String, Object> kafka();

    protected abstract Input input();

    /** Everything the stage writes for these records, in their order; throws to abort the transaction. */
    protected abstract List<ProducerRecord<String, byte[]>> process(ConsumerRecords<String, byte[]> records);

    /** The stage's own client settings over the shared ones (linger, timeouts). */
    protected void tune(Map<String, Object> consumer, Map<String, Object> producer) {
    }

    @Override
    protected void consumeUntilStopped() {
        Input input = input();
        Map<String, Object> c = KafkaClients.consumer(kafka());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, input.group());
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, input.batchSize());
        Map<String, Object> p = KafkaClients.producer(kafka());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, input.transactionalId());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, input.transactionalId());
        tune(c, p);
        try (KafkaConsumer<String, byte[]> in = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
                KafkaProducer<String, byte[]> out = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            out.initTransactions();
            TransactionalOutput output = new TransactionalOutput(out, in);
            in.subscribe(List.of(input.topic()));
            consuming(in);
            Map<TopicPartition, Long> furthest = new HashMap<>();
            while (running()) {
                ConsumerRecords<String, byte[]> records = poll(in, Duration.ofSeconds(1));
                var next = records.nextOffsets();
                if (!records.isEmpty() || next.entrySet().stream().anyMatch(e -> e.getValue().offset() > furthest.getOrDefault(e.getKey(), -1L))) {
                    output.commit(records.isEmpty() ? List.of() : process(records), next);
                    next.forEach((tp, o) -> furthest.merge(tp, o.offset(), Math::max));
                }
            }
        }
    }
}
