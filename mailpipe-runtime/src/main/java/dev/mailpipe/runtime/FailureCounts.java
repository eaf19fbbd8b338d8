package dev.mailpipe.runtime;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Failed logins counted per key (a client address, an account) across sessions and requests, each
 * count forgotten {@code window} after its last failure, at most {@code tracked} keys held: what
 * throttling of password guessers counts, at the ingress and at the API alike.
 */
public final class FailureCounts {
    private final Cache<String, AtomicInteger> counts;

    public FailureCounts(Duration window, int tracked) {
        this.counts = Caffeine.newBuilder().maximumSize(tracked).expireAfterWrite(window).build();
    }

    /** Counts one more failure for {@code key}; returns its failures so far within the window. */
    public int failed(String key) {
        AtomicInteger n = counts.get(key, k -> new AtomicInteger());
        int now = n.incrementAndGet();
        // Written again, so that the window runs from this failure.
        counts.put(key, n);
        return now;
    }

    /**
     * Counts an attempt as a failure before its password is checked, and says whether it may go on:
     * false, once {@code key} has {@code max} failures (this one not counted then). Checking and
     * counting in one step means a guesser's parallel tries are all counted, none slips past the
     * limit while the others' hashes run. A try that then succeeds gives its count back
     * ({@link #succeeded}).
     */
    public boolean begin(String key, int max) {
        AtomicInteger n = counts.get(key, k -> new AtomicInteger());
        while (true) {
            int now = n.get();
            if (now >= max) {
                return false;
            }
            if (n.compareAndSet(now, now + 1)) {
                counts.put(key, n);
                return true;
            }
        }
    }

    /** An attempt counted by {@link #begin} succeeded: it was no failure. */
    public void succeeded(String key) {
        AtomicInteger n = counts.getIfPresent(key);
        if (n != null) {
            n.updateAndGet(v -> Math.max(0, v - 1));
        }
    }

    /** Failures of {@code key} within the window. */
    public int of(String key) {
        AtomicInteger n = counts.getIfPresent(key);
        return n == null ? 0 : n.get();
    }

    /** A success: {@code key} starts over. */
    public void clear(String key) {
        counts.invalidate(key);
    }
}
