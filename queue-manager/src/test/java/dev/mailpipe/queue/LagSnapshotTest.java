package dev.mailpipe.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** kafka_exporter's rules: lag per committed partition, -1 for a partition of a read topic without a commit. */
@Tag("unit")
class LagSnapshotTest {
    @Test
    void uncommittedPartitionsOfATopicTheGroupReadsAreMinusOneOtherTopicsAreLeftOut() {
        TopicPartition in0 = new TopicPartition("mail.inbound", 0);
        TopicPartition in1 = new TopicPartition("mail.inbound", 1);
        TopicPartition ev0 = new TopicPartition("mail.events", 0);
        LagSnapshot s = LagSnapshot.of(Map.of("routing-service", Map.of(in0, 40L)), Map.of("routing-service", 2),
                Map.of(in0, 45L, in1, 7L, ev0, 100L));
        assertEquals(List.of(new LagSnapshot.GroupPartition("routing-service", in0, 40, 5),
                new LagSnapshot.GroupPartition("routing-service", in1, -1, -1)), s.lags());
        assertEquals(2, s.members().get("routing-service"));
    }
}
