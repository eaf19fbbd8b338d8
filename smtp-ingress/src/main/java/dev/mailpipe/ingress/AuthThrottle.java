package dev.mailpipe.ingress;

import dev.mailpipe.model.Backoff;
import dev.mailpipe.model.FailureCounts;
import java.time.Duration;

/**
 * Failed AUTH attempts counted across sessions, per client address and per account (see
 * {@link IngressConfig.AuthThrottling}): the answer to a guesser who opens a new session for every
 * try, where a per-session error limit would never bite. Counts live in memory, per replica, and
 * are forgotten a window after the last failure; each map holds at most {@link #TRACKED} entries.
 */
final class AuthThrottle {
    private static final int TRACKED = 100_000;

    private final IngressConfig.AuthThrottling config;
    private final FailureCounts byClient;
    private final FailureCounts byAccount;
    private final Backoff backoff;

    AuthThrottle(IngressConfig.AuthThrottling config) {
        this.config = config;
        this.byClient = new FailureCounts(config.window(), TRACKED);
        this.byAccount = new FailureCounts(config.window(), TRACKED);
        this.backoff = new Backoff(config.freeFailures(), config.firstDelay(), config.maxDelay());
    }

    /** Whether this address has failed too often to be allowed another try for now. */
    boolean lockedOut(String clientIp) {
        return byClient.of(clientIp) >= config.maxFailuresPerClient();
    }

    /** Counts a failure; returns how long its 535 waits (zero for the first few). */
    Duration failed(String clientIp, String account) {
        return backoff.after(Math.max(byClient.failed(clientIp), byAccount.failed(account)));
    }

    /** The address got in: its count starts over. The account's stays, for the guessers elsewhere. */
    void succeeded(String clientIp) {
        byClient.clear(clientIp);
    }
}
