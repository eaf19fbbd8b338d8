package dev.mailpipe.ingress;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.mailpipe.model.Backoff;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Failed AUTH attempts counted across sessions, per client address and per account (see
 * {@link IngressConfig.AuthThrottling}): the answer to a guesser who opens a new session for every
 * try, where a per-session error limit would never bite. Counts live in memory, per replica, and
 * are forgotten a window after the last failure; each map holds at most {@link #TRACKED} entries.
 */
final class AuthThrottle {
    private static final int TRACKED = 100_000;

    private final IngressConfig.AuthThrottling config;
    private final Cache<String, AtomicInteger> byClient;
    private final Cache<String, AtomicInteger> byAccount;
    private final Backoff backoff;

    AuthThrottle(IngressConfig.AuthThrottling config) {
        this.config = config;
        this.byClient = Caffeine.newBuilder().maximumSize(TRACKED).expireAfterWrite(config.window()).build();
        this.byAccount = Caffeine.newBuilder().maximumSize(TRACKED).expireAfterWrite(config.window()).build();
        this.backoff = new Backoff(config.freeFailures(), config.firstDelay(), config.maxDelay());
    }

    /** Whether this address has failed too often to be allowed another try for now. */
    boolean lockedOut(String clientIp) {
        AtomicInteger n = byClient.getIfPresent(clientIp);
        return n != null && n.get() >= config.maxFailuresPerClient();
    }

    /** Counts a failure; returns how long its 535 waits (zero for the first few). */
    Duration failed(String clientIp, String account) {
        int client = count(byClient, clientIp);
        int forAccount = count(byAccount, account);
        return backoff.after(Math.max(client, forAccount));
    }

    /** The address got in: its count starts over. The account's stays, for the guessers elsewhere. */
    void succeeded(String clientIp) {
        byClient.invalidate(clientIp);
    }

    private static int count(Cache<String, AtomicInteger> counts, String key) {
        // Written again on every failure, so the window runs from the last one.
        AtomicInteger n = counts.get(key, k -> new AtomicInteger());
        int now = n.incrementAndGet();
        counts.put(key, n);
        return now;
    }
}
