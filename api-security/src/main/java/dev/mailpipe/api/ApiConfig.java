package dev.mailpipe.api;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Who may use the HTTP API ({@code mailpipe.api.*}, or {@code MAILPIPE_API_*}). */
@ConfigMapping(prefix = "mailpipe.api")
public interface ApiConfig {
    /**
     * The administrator's password, for HTTP Basic as user {@code admin}: in Kubernetes from a
     * Secret, locally written by {@code ./mailpipe up} to {@code data/admin-password}. Unset, no one
     * is administrator and the registry cannot be changed over HTTP.
     */
    Optional<String> adminPassword();

    /**
     * Failed logins from one client address after which every further attempt is refused, without
     * a password check, until {@link #lockout()} has passed since the last failure.
     */
    @WithDefault("10")
    int maxFailuresPerClient();

    /**
     * Failed logins of one account (from anywhere) after which it is refused, without a password
     * check, until {@link #lockout()} has passed since the last: many guessers from many addresses
     * meet this. Higher than the per-client limit, so that one guesser cannot lock the owner out.
     */
    @WithDefault("50")
    int maxFailuresPerAccount();

    /** Failed logins from one address answered at once; past them each 401 waits, doubling. */
    @WithDefault("3")
    int freeFailures();

    /** The wait of the first slowed 401. */
    @WithDefault("1s")
    Duration firstDelay();

    /** The longest wait of a 401. */
    @WithDefault("16s")
    Duration maxDelay();

    /** How long a client address past its failures is refused, counted from its last failure. */
    @WithDefault("15m")
    Duration lockout();
}
