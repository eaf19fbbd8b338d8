package dev.mailpipe.runtime;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Exactly once for a stage that reads and writes Kafka: what it produced from a poll and the
 * offsets that poll consumed, committed in one transaction, or neither. A failure aborts the
 * transaction and is thrown, so the stage reads the same records again from its committed offsets.
 * Routing and the queue manager commit this way.
 */
public final class TransactionalOutput {
    private final Producer<String, byte[]> producer;
    private final Consumer<?, ?> consumer;

    /** {@code producer} has a transactional id and has had {@code initTransactions()}. */
    public TransactionalOutput(Producer<String, byte[]> producer, Consumer<?, ?> consumer) {
        this.producer = producer;
        this.consumer = consumer;
    }

    /**
     * Sends {@code records} and commits them with {@code offsets} (the consumer's next offsets, so
     * a caught-up group shows no lag past the transaction markers).
     */
    public void commit(List<ProducerRecord<String, byte[]>> records, Map<TopicPartition, OffsetAndMetadata> offsets) {
        commit(records, offsets, consumer.groupMetadata());
    }

    /**
     * As {@link #commit(List, Map)}, with the group's metadata as the consumer gave it on its own
     * thread: this may then run on another thread while that one polls (a consumer is not to be
     * touched by two threads at once). The metadata's generation fences this commit if the group
     * moved the partitions elsewhere meanwhile.
     */
    public void commit(List<ProducerRecord<String, byte[]>> records, Map<TopicPartition, OffsetAndMetadata> offsets,
            ConsumerGroupMetadata group) {
        producer.beginTransaction();
        try {
            for (ProducerRecord<String, byte[]> r : records) {
                producer.send(r);
            }
            producer.sendOffsetsToTransaction(offsets, group);
            producer.commitTransaction(); // fails if any send failed
        } catch (RuntimeException e) {
            try {
                producer.abortTransaction();
            } catch (RuntimeException abort) {
                e.addSuppressed(abort);
            }
            throw e;
        }
    }
}
