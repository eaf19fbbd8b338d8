package dev.mailpipe.relay.progress;

/**
 * Bounds the records a relay replica has taken from Kafka and not finished: by count and by bytes,
 * since each holds its message in memory. A record waiting for its site's window holds a place
 * here and no thread, so a slow site's backlog waits without starving the other sites' deliveries
 * (the limits on transfers at once are {@link SiteLimiter}'s). When the hand is full, the loop
 * ({@link RelayLoop}) keeps the next record and reads no further until one finishes.
 */
public final class DeliveriesInHand {
    private final int maxRecords;
    private final long maxBytes;
    private int records;
    private long bytes;

    public DeliveriesInHand(int maxRecords, long maxBytes) {
        this.maxRecords = Math.max(1, maxRecords);
        this.maxBytes = Math.max(1, maxBytes);
    }

    /** Takes a record of {@code size} bytes if it fits now (a record larger than the limit fits alone). */
    public synchronized boolean tryTake(long size) {
        boolean fits = records == 0 || (records < maxRecords && bytes + size <= maxBytes);
        if (fits) {
            records++;
            bytes += size;
        }
        return fits;
    }

    /** A record taken with {@link #tryTake} is finished. */
    public synchronized void release(long size) {
        records--;
        bytes -= size;
    }

    public synchronized int records() {
        return records;
    }
}
