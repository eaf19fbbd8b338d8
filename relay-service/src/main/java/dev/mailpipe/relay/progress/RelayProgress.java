package dev.mailpipe.relay.progress;

import dev.mailpipe.runtime.commit.PartitionProgress;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Which {@code mail.relay} partitions this replica owns and how far each got (see
 * {@link PartitionProgress}): {@link RelayLoop} feeds it from the consumer and its rebalances, asks
 * it before starting a record whether the record is still its own to send, and commits its points.
 */
@ApplicationScoped
public class RelayProgress {
    private static final Logger LOG = Logger.getLogger(RelayProgress.class);

    /** What {@link RelayLoop} does with a record it polled. */
    public enum Decision {
        /** This replica owns the record and no owner recorded its outcome: send it. */
        DELIVER,
        /** The previous owner sent it and recorded that in its last commit: do not send it again. */
        DONE_BEFORE,
        /** The partition moved away (or came back anew) after the record was polled: its new owner sends it. */
        NOT_OWNED
    }

    private final Map<TopicPartition, PartitionProgress> partitions = new ConcurrentHashMap<>();
    private final Counter abandoned;
    private final Counter skipped;
    private volatile boolean stopping;

    RelayProgress(MeterRegistry registry) {
        this.abandoned = Counter.builder("mailpipe.relay.handover.abandoned")
                .description("deliveries still under way when their partition moved to another replica, which sends them again")
                .register(registry);
        this.skipped = Counter.builder("mailpipe.relay.handover.skipped")
                .description("records a previous owner of the partition had already relayed, not sent again")
                .register(registry);
    }

    public void assigned(TopicPartition tp, OffsetAndMetadata committed, long position) {
        PartitionProgress p = committed == null ? new PartitionProgress(position, null)
                : new PartitionProgress(committed.offset(), committed.metadata());
        partitions.put(tp, p);
    }

    public void received(ConsumerRecord<?, ?> record) {
        // A record before its assignment was seen cannot happen with Kafka's callbacks; if it did,
        // tracking from here keeps the partition's commits moving.
        partitions.computeIfAbsent(partition(record), tp -> new PartitionProgress(record.offset(), null)).received(record);
    }

    /** The consumer's position in {@code tp} after a poll (see {@link PartitionProgress#polledUpTo}). */
    public void polledUpTo(TopicPartition tp, long next) {
        PartitionProgress p = partitions.get(tp);
        if (p != null) {
            p.polledUpTo(next);
        }
    }

    public Decision decide(ConsumerRecord<?, ?> record) {
        PartitionProgress p = partitions.get(partition(record));
        if (p == null || !p.isPending(record)) {
            return Decision.NOT_OWNED;
        }
        if (p.isDone(record.offset())) {
            skipped.increment();
            return Decision.DONE_BEFORE;
        }
        return Decision.DELIVER;
    }

    public void finished(ConsumerRecord<?, ?> record) {
        PartitionProgress p = partitions.get(partition(record));
        if (p != null) {
            p.finished(record);
        }
    }

    /** The record is given up without an outcome: the partition's next owner sends it. */
    public void leave(ConsumerRecord<?, ?> record) {
        PartitionProgress p = partitions.get(partition(record));
        if (p != null) {
            p.leave(record);
        }
    }

    /** What to commit for every partition owned now. */
    public Map<TopicPartition, OffsetAndMetadata> commitPoints() {
        Map<TopicPartition, OffsetAndMetadata> points = new HashMap<>();
        partitions.forEach((tp, p) -> points.put(tp, p.commitPoint()));
        return points;
    }

    /**
     * Gives partitions up: waits up to {@code grace} for their deliveries under way, then forgets
     * them and returns what to commit for them. Runs on the consumer's thread, in the rebalance,
     * so the next owner starts only after this returns.
     */
    public Map<TopicPartition, OffsetAndMetadata> handOver(Collection<TopicPartition> revoked, Duration grace) {
        awaitNone(() -> pending(revoked), grace);
        Map<TopicPartition, OffsetAndMetadata> points = new HashMap<>();
        int left = 0;
        for (TopicPartition tp : revoked) {
            PartitionProgress p = partitions.remove(tp);
            if (p != null) {
                left += p.pendingCount();
                points.put(tp, p.commitPoint());
            }
        }
        if (left > 0) {
            abandoned.increment(left);
            LOG.warnf("handing over %s with %d deliveries still under way after %s: the next owner sends them again",
                    revoked, left, grace);
        } else if (!points.isEmpty()) {
            LOG.infof("handing over %s: every delivery under way finished", revoked);
        }
        return points;
    }

    /** The replica is stopping: what it has not started is left to the partitions' next owners. */
    public void stopping() {
        stopping = true;
    }

    public boolean isStopping() {
        return stopping;
    }

    /**
     * Waits until {@code count} is zero or {@code grace} has passed. Not cut short by an interrupt:
     * a stopping replica interrupts the consumer's thread, and giving up then would leave the
     * deliveries' outcomes out of the last commit.
     */
    public static void awaitNone(IntSupplier count, Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        while (count.getAsInt() > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    private int pending(Collection<TopicPartition> tps) {
        int n = 0;
        for (TopicPartition tp : tps) {
            PartitionProgress p = partitions.get(tp);
            n += p == null ? 0 : p.pendingCount();
        }
        return n;
    }

    private static TopicPartition partition(ConsumerRecord<?, ?> record) {
        return new TopicPartition(record.topic(), record.partition());
    }
}
