package dev.mailpipe.ingress;

import dev.mailpipe.runtime.Backoff;
import dev.mailpipe.runtime.FailureCounts;
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

    /**
     * Counts an attempt before its password is checked; false when the address is past its limit
     * (then nothing is checked). Checked and counted in one step, so that parallel guesses from
     * many sessions are all counted. The account is counted too, for the delay.
     */
    boolean begin(String clientIp, String account) {
        if (!byClient.begin(clientIp, config.maxFailuresPerClient())) {
            return false;
        }
        byAccount.failed(account);
        return true;
    }

    /** How long the 535 of a failed attempt (counted at its {@link #begin}) waits; zero for the first few. */
    Duration delayAfterFailure(String clientIp, String account) {
        return backoff.after(Math.max(byClient.of(clientIp), byAccount.of(account)));
    }

    /** The address got in: its count starts over; the account's attempt was no failure. */
    void succeeded(String clientIp, String account) {
        byClient.clear(clientIp);
        byAccount.succeeded(account);
    }
}
