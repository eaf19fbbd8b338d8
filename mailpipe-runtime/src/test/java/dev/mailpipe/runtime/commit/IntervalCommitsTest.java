package dev.mailpipe.runtime.commit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class IntervalCommitsTest {
    private static final TopicPartition TP = new TopicPartition("mail.delivery", 0);

    private final MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");

    IntervalCommitsTest() {
        consumer.assign(List.of(TP));
    }

    /** A batch of records up to {@code last}, the consumer's position after it {@code next}. */
    private static ConsumerRecords<String, byte[]> batch(long last, long next) {
        ConsumerRecord<String, byte[]> r = new ConsumerRecord<>(TP.topic(), TP.partition(), last, "k", new byte[0]);
        return new ConsumerRecords<>(Map.of(TP, List.of(r)), Map.of(TP, new OffsetAndMetadata(next)));
    }

    private Long committed() {
        OffsetAndMetadata o = consumer.committed(Set.of(TP)).get(TP);
        return o == null ? null : o.offset();
    }

    @Test
    void nothingIsCommittedBeforeTheIntervalThenThePositionPastTheBatch() throws InterruptedException {
        IntervalCommits commits = new IntervalCommits(consumer, Duration.ofMillis(200));
        commits.done(batch(4, 6)); // offset 5 is a transaction marker: the commit goes past it
        commits.commitIfDue();
        assertEquals(null, committed(), "committed before the interval");
        Thread.sleep(250);
        commits.commitIfDue();
        assertEquals(6L, committed());
    }

    @Test
    void aRevocationAndShutdownCommitWhatIsDoneAtOnce() {
        IntervalCommits commits = new IntervalCommits(consumer, Duration.ofHours(1));
        commits.done(batch(9, 10));
        commits.onRebalance().onPartitionsRevoked(List.of(TP));
        assertEquals(10L, committed());
        commits.done(batch(10, 11));
        commits.commitNow();
        assertEquals(11L, committed());
    }

    @Test
    void whatWasNotDoneIsNeverCommitted() throws InterruptedException {
        IntervalCommits commits = new IntervalCommits(consumer, Duration.ZERO);
        commits.commitIfDue();
        commits.commitNow();
        assertTrue(Optional.ofNullable(consumer.committed(Set.of(TP)).get(TP)).isEmpty());
    }

    @Test
    void anEmptyPollThatMovedPastAMarkerIsCommittedAndOneThatMovedNothingIsNot() {
        IntervalCommits commits = new IntervalCommits(consumer, Duration.ZERO);
        commits.done(batch(4, 5));
        commits.commitNow();
        assertEquals(5L, committed());
        // The transaction's marker at 5 comes in a poll of its own, with no record.
        commits.done(new ConsumerRecords<>(Map.of(), Map.of(TP, new OffsetAndMetadata(6))));
        commits.commitNow();
        assertEquals(6L, committed(), "caught up: lag 0, not 1 behind the marker");
        consumer.commitSync(Map.of(TP, new OffsetAndMetadata(3))); // as if another replica had
        commits.done(new ConsumerRecords<>(Map.of(), Map.of(TP, new OffsetAndMetadata(6))));
        commits.commitNow();
        assertEquals(3L, committed(), "an idle poll at the same place commits nothing");
    }
}
