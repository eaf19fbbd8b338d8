package dev.mailpipe.model;

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
