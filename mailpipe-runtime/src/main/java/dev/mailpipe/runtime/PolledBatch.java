package dev.mailpipe.runtime;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The records of several polls taken as one batch, and the offsets after them: what a
 * {@link TransactionalStageLoop} gathers while its previous transaction commits. Partitions taken
 * away meanwhile are dropped from it, records and offsets, since their next owner reads them again.
 */
final class PolledBatch {
    private final Map<TopicPartition, List<ConsumerRecord<String, byte[]>>> records = new HashMap<>();
    private final Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();

    void add(ConsumerRecords<String, byte[]> polled) {
        for (TopicPartition tp : polled.partitions()) {
            records.computeIfAbsent(tp, k -> new ArrayList<>()).addAll(polled.records(tp));
        }
        // A poll's next offsets only move forward (records, or a transaction marker passed).
        polled.nextOffsets().forEach((tp, o) -> next.merge(tp, o, (a, b) -> b.offset() >= a.offset() ? b : a));
    }

    void drop(Collection<TopicPartition> revoked) {
        for (TopicPartition tp : revoked) {
            records.remove(tp);
            next.remove(tp);
        }
    }

    int count() {
        int count = 0;
        for (List<ConsumerRecord<String, byte[]>> rs : records.values()) {
            count += rs.size();
        }
        return count;
    }

    /** The records, by partition in their order, with the offsets after them. */
    ConsumerRecords<String, byte[]> records() {
        return new ConsumerRecords<>(new HashMap<>(records), new HashMap<>(next));
    }

    Map<TopicPartition, OffsetAndMetadata> nextOffsets() {
        return new HashMap<>(next);
    }

    void clear() {
        records.clear();
        next.clear();
    }
}
