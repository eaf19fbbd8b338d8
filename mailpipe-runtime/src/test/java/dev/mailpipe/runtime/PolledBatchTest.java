package dev.mailpipe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The polls gathered while a transaction commits: one batch, in order, its offsets the furthest polled. */
@Tag("unit")
class PolledBatchTest {
    private static final TopicPartition P0 = new TopicPartition("mail.inbound", 0);
    private static final TopicPartition P1 = new TopicPartition("mail.inbound", 1);

    private static ConsumerRecords<String, byte[]> poll(TopicPartition tp, long from, int n, long next) {
        List<ConsumerRecord<String, byte[]>> records = new java.util.ArrayList<>();
        for (long o = from; o < from + n; o++) {
            records.add(new ConsumerRecord<>(tp.topic(), tp.partition(), o, "k" + o, new byte[0]));
        }
        return new ConsumerRecords<>(n == 0 ? Map.of() : Map.of(tp, records),
                Map.of(tp, new OffsetAndMetadata(next, Optional.empty(), "")));
    }

    private static List<Long> offsets(ConsumerRecords<String, byte[]> records, TopicPartition tp) {
        return records.records(tp).stream().map(ConsumerRecord::offset).toList();
    }

    @Test
    void pollsMakeOneBatchInOrderWithTheFurthestOffsets() {
        PolledBatch batch = new PolledBatch();
        batch.add(poll(P0, 10, 3, 13));
        batch.add(poll(P1, 0, 2, 2));
        batch.add(poll(P0, 13, 2, 15));
        // An empty poll that only stepped over a transaction marker moves the offset on.
        batch.add(poll(P1, 2, 0, 3));
        assertEquals(7, batch.count());
        ConsumerRecords<String, byte[]> all = batch.records();
        assertEquals(List.of(10L, 11L, 12L, 13L, 14L), offsets(all, P0));
        assertEquals(List.of(0L, 1L), offsets(all, P1));
        assertEquals(15, batch.nextOffsets().get(P0).offset());
        assertEquals(3, batch.nextOffsets().get(P1).offset());
        assertEquals(batch.nextOffsets(), all.nextOffsets());
    }

    @Test
    void aRevokedPartitionLeavesNeitherRecordsNorOffsetsBehind() {
        PolledBatch batch = new PolledBatch();
        batch.add(poll(P0, 0, 3, 3));
        batch.add(poll(P1, 5, 4, 9));
        batch.drop(List.of(P1));
        assertEquals(3, batch.count());
        assertEquals(List.of(P0), List.copyOf(batch.records().partitions()));
        assertEquals(Map.of(P0, new OffsetAndMetadata(3, Optional.empty(), "")), batch.nextOffsets());
        batch.clear();
        assertEquals(0, batch.count());
        assertEquals(Map.of(), batch.nextOffsets());
    }
}
