package dev.mailpipe.runtime.commit;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * The commit strategy of a stage that finishes each polled batch before it polls again (delivery):
 * a batch's offsets count as done once the stage says so, and done offsets are committed at most
 * every {@code interval} without waiting, then for certain when partitions are taken away and at
 * shutdown. A record done but not committed when the stage dies is read again, so the stage's
 * work must be idempotent (delivery's file names are).
 *
 * <p>Not thread-safe: the consumer's thread owns it, as it owns the consumer.
 */
public final class IntervalCommits {
    private static final Logger LOG = Logger.getLogger(IntervalCommits.class);

    private final Consumer<?, ?> consumer;
    private final long intervalNanos;
    private final Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
    /** The furthest next offset seen per partition: an empty poll that moved nothing commits nothing. */
    private final Map<TopicPartition, Long> furthest = new HashMap<>();
    private long lastCommit = System.nanoTime();

    public IntervalCommits(Consumer<?, ?> consumer, Duration interval) {
        this.consumer = consumer;
        this.intervalNanos = interval.toNanos();
    }

    /**
     * The whole batch is done: its offsets, past any transaction markers, may be committed. Also for
     * an empty poll, whose next offsets may have moved past a marker alone: else a caught-up group
     * would show a lag of 1 behind a transaction's end until its next record.
     */
    public void done(ConsumerRecords<?, ?> batch) {
        batch.nextOffsets().forEach((tp, next) -> {
            Long seen = furthest.get(tp);
            if (seen == null || next.offset() > seen) {
                furthest.put(tp, next.offset());
                done.put(tp, next);
            }
        });
    }

    /** Commits what is done, without waiting, if the interval has passed since the last commit. */
    public void commitIfDue() {
        if (done.isEmpty() || System.nanoTime() - lastCommit < intervalNanos) {
            return;
        }
        consumer.commitAsync(new HashMap<>(done), (offsets, failure) -> {
            if (failure != null) {
                LOG.debugf("offset commit failed (the next one covers it): %s", failure.toString());
            }
        });
        done.clear();
        lastCommit = System.nanoTime();
    }

    /** Commits what is done and waits for the broker: before partitions move, and at shutdown. */
    public void commitNow() {
        if (!done.isEmpty()) {
            consumer.commitSync(new HashMap<>(done));
            done.clear();
            lastCommit = System.nanoTime();
        }
    }

    /** A listener that commits what is done before another replica gets the partitions. */
    public ConsumerRebalanceListener onRebalance() {
        return new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                commitNow();
                partitions.forEach(furthest::remove); // if they come back, it is from whatever was committed
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            }
        };
    }
}
