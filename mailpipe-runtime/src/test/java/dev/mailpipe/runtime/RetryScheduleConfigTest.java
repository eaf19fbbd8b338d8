package dev.mailpipe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Which tier a failed attempt waits in, and how long, for a full and for a short list of delays. */
@Tag("unit")
class RetryScheduleConfigTest {
    private static RetryScheduleConfig delays(Duration... delays) {
        return new RetryScheduleConfig() {
            @Override
            public List<Duration> delays() {
                return List.of(delays);
            }

            @Override
            public Duration maxLifetime() {
                return Duration.ofDays(5);
            }
        };
    }

    @Test
    void attemptNWaitsInTierNAndTheLastTierRepeats() {
        RetryScheduleConfig r = delays(Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ofHours(2),
                Duration.ofHours(6));
        assertEquals("mail.retry.1", r.topicAfter(1));
        assertEquals("mail.retry.3", r.topicAfter(3));
        assertEquals("mail.retry.5", r.topicAfter(9));
        assertEquals(Duration.ofHours(6), r.delayAfter(9));
        assertEquals(Duration.ofMinutes(30), r.delayAfter(3));
    }

    @Test
    void aShorterListRepeatsItsLastDelayInTheLaterTiers() {
        RetryScheduleConfig r = delays(Duration.ofMinutes(10));
        assertEquals("mail.retry.4", r.topicAfter(4), "the tier still counts the attempts");
        assertEquals(Duration.ofMinutes(10), r.delayAfter(4));
    }
}
