package dev.mailpipe.relay;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Bounds the records a relay replica has taken from Kafka and not finished: by count and by bytes,
 * since each holds its message in memory. A record waiting for its site's window holds a place
 * here and no thread, so a slow site's backlog waits without starving the other sites' deliveries
 * (the limits on transfers at once are {@link SiteLimiter}'s). When the hand is full, the next
 * record is taken once one finishes: the consumer reads no further meanwhile.
 */
final class DeliveriesInHand {
    private final int maxRecords;
    private final long maxBytes;
    private final Deque<Waiter> waiting = new ArrayDeque<>();
    private int records;
    private long bytes;

    private record Waiter(long size, CompletableFuture<Void> admitted) {
    }

    DeliveriesInHand(int maxRecords, long maxBytes) {
        this.maxRecords = Math.max(1, maxRecords);
        this.maxBytes = Math.max(1, maxBytes);
    }

    /** Completes once a record of {@code size} bytes fits (a record larger than the limit fits alone). */
    CompletionStage<Void> take(long size) {
        CompletableFuture<Void> admitted = new CompletableFuture<>();
        List<Waiter> ready;
        synchronized (this) {
            waiting.addLast(new Waiter(size, admitted));
            ready = admit();
        }
        ready.forEach(w -> w.admitted().complete(null));
        return admitted;
    }

    /** A record taken with {@link #take} is finished; the next ones waiting may come in. */
    void release(long size) {
        List<Waiter> ready;
        synchronized (this) {
            records--;
            bytes -= size;
            ready = admit();
        }
        // Outside the lock: what a completion runs (the next delivery) must not run under it.
        ready.forEach(w -> w.admitted().complete(null));
    }

    synchronized int records() {
        return records;
    }

    private List<Waiter> admit() {
        List<Waiter> ready = new ArrayList<>();
        while (!waiting.isEmpty()) {
            Waiter w = waiting.peekFirst();
            boolean fits = records == 0 || (records < maxRecords && bytes + w.size() <= maxBytes);
            if (!fits) {
                break;
            }
            waiting.removeFirst();
            records++;
            bytes += w.size();
            ready.add(w);
        }
        return ready;
    }
}
