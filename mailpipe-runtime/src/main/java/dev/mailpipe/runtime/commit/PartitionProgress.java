package dev.mailpipe.runtime.commit;

import java.util.HashMap;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;

/**
 * What one owner of a {@code mail.relay} partition has done with it, for committing past records
 * that finished out of order. Deliveries run many at once, so a record may finish long after later
 * ones (a silent MX). The committed offset stays at the oldest record still in flight, and the
 * records already done above it travel in the commit's metadata, as Confluent's parallel-consumer
 * does. The next owner, after a rebalance or a crash, skips those and sends only what was truly in
 * flight.
 *
 * <p>Records are matched by identity, not only by offset: after a partition is revoked and assigned
 * back, the same offset arrives again as a new record, and a stale copy still queued from before
 * must not count as the new one done.
 */
public final class PartitionProgress {
    /** Kafka's default {@code offset.metadata.max.bytes} is 4096; stay well below it. */
    static final int MAX_METADATA_CHARS = 3500;
    private static final String VERSION = "mailpipe-done-1:";

    private final long start;
    private final Map<Long, ConsumerRecord<?, ?>> pending = new HashMap<>();
    private final NavigableSet<Long> pendingOffsets = new TreeSet<>();
    private final NavigableSet<Long> done = new TreeSet<>();
    /** Records this owner will not handle (it is stopping): the commit stays below them. */
    private final NavigableSet<Long> left = new TreeSet<>();
    private long nextAfterReceived;

    /**
     * @param committed the partition's committed offset when this owner got it
     * @param metadata that commit's metadata: the records done above it by the previous owner
     */
    public PartitionProgress(long committed, String metadata) {
        this.start = committed;
        this.nextAfterReceived = committed;
        done.addAll(decode(committed, metadata));
    }

    /** A record polled for this partition; its outcome is pending until {@link #finished}. */
    public synchronized void received(ConsumerRecord<?, ?> record) {
        pending.put(record.offset(), record);
        pendingOffsets.add(record.offset());
        nextAfterReceived = Math.max(nextAfterReceived, record.offset() + 1);
    }

    /**
     * The consumer's position after a poll ({@code ConsumerRecords.nextOffsets()}): past the
     * transaction markers that end the records polled, so that a partition whose records are all
     * done commits past them too, and a caught-up group shows no lag as Kafka counts it.
     */
    public synchronized void polledUpTo(long next) {
        nextAfterReceived = Math.max(nextAfterReceived, next);
    }

    /** Whether this very record was received by this owner and still waits for its outcome. */
    public synchronized boolean isPending(ConsumerRecord<?, ?> record) {
        return pending.get(record.offset()) == record;
    }

    /** Whether the record's outcome was already recorded, by this owner or the one before. */
    public synchronized boolean isDone(long offset) {
        return done.contains(offset);
    }

    /** The record's outcome is recorded; ignored for a record this owner is not waiting for. */
    public synchronized boolean finished(ConsumerRecord<?, ?> record) {
        if (pending.get(record.offset()) != record) {
            return false;
        }
        pending.remove(record.offset());
        pendingOffsets.remove(record.offset());
        done.add(record.offset());
        return true;
    }

    /**
     * This owner gives the record up without an outcome (it is stopping): nothing waits for it any
     * more, and the committed offset stays at or below it, so the next owner sends it.
     */
    public synchronized boolean leave(ConsumerRecord<?, ?> record) {
        if (pending.get(record.offset()) != record) {
            return false;
        }
        pending.remove(record.offset());
        pendingOffsets.remove(record.offset());
        left.add(record.offset());
        return true;
    }

    /** Records received whose outcome is not recorded yet (and not left). */
    public synchronized int pendingCount() {
        return pending.size();
    }

    /**
     * What to commit now: the oldest pending record, or past everything received; with the records
     * already done above that offset as metadata. Done records at or below it are forgotten.
     */
    public synchronized OffsetAndMetadata commitPoint() {
        long offset = Math.max(start, nextAfterReceived);
        if (!pendingOffsets.isEmpty()) {
            offset = Math.min(offset, pendingOffsets.first());
        }
        if (!left.isEmpty()) {
            offset = Math.min(offset, left.first());
        }
        done.headSet(offset, false).clear();
        return new OffsetAndMetadata(offset, encode(offset, done));
    }

    /** Offsets as distances from the committed offset, in base 36: about 3 characters each. */
    static String encode(long committed, Set<Long> doneAbove) {
        StringBuilder s = new StringBuilder(VERSION);
        for (long o : doneAbove) {
            if (o < committed) {
                continue;
            }
            String next = Long.toString(o - committed, 36);
            // Past the limit the rest are left out: the next owner then sends them again, which
            // risks a duplicate, never a loss.
            if (s.length() + next.length() + 1 > MAX_METADATA_CHARS) {
                break;
            }
            if (s.length() > VERSION.length()) {
                s.append(',');
            }
            s.append(next);
        }
        return s.length() == VERSION.length() ? "" : s.toString();
    }

    /** The offsets {@link #encode} wrote; none for metadata it did not write (another strategy's). */
    static Set<Long> decode(long committed, String metadata) {
        Set<Long> offsets = new TreeSet<>();
        if (metadata == null || !metadata.startsWith(VERSION)) {
            return offsets;
        }
        try {
            for (String part : metadata.substring(VERSION.length()).split(",")) {
                if (!part.isEmpty()) {
                    offsets.add(committed + Long.parseLong(part, 36));
                }
            }
        } catch (NumberFormatException e) {
            return new TreeSet<>();
        }
        return offsets;
    }
}
