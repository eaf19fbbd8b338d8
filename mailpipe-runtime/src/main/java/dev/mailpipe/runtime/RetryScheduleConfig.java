package dev.mailpipe.runtime;

import dev.mailpipe.model.Topics;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;

/**
 * The retry schedule shared by the stages that defer (routing: DNS not answering; relay: 4xx,
 * nobody reachable; delivery: over quota) and by queue-manager, which releases and expires what
 * waits: failed attempt n waits in tier min(n, tiers), whose topic is {@code mail.retry.<tier>}.
 */
@ConfigMapping(prefix = "mailpipe.retry")
public interface RetryScheduleConfig {
    /**
     * Delay of each tier, in the order of {@link Topics#RETRY_TIERS} (1m, 5m, 30m, 2h, 6h); a list
     * shorter than the tiers repeats its last delay.
     */
    @WithDefault("1m,5m,30m,2h,6h")
    List<Duration> delays();

    /** After this long in the queue, mail still undelivered bounces (RFC 5321 4.5.4.1: 4-5 days). */
    @WithDefault("5d")
    Duration maxLifetime();

    /** Whether mail received at {@code receivedAt} has outlived the queue lifetime at {@code now}. */
    default boolean expired(java.time.Instant receivedAt, java.time.Instant now) {
        return Duration.between(receivedAt, now).compareTo(maxLifetime()) > 0;
    }

    /** The tier topic for the attempt that just failed (1 for the first failure). */
    default String topicAfter(int failedAttempts) {
        return Topics.RETRY_PREFIX + Topics.RETRY_TIERS.get(tierIndex(failedAttempts));
    }

    default Duration delayAfter(int failedAttempts) {
        List<Duration> delays = delays();
        return delays.get(Math.min(tierIndex(failedAttempts), delays.size() - 1));
    }

    private int tierIndex(int failedAttempts) {
        return Math.max(0, Math.min(failedAttempts, Topics.RETRY_TIERS.size()) - 1);
    }
}
