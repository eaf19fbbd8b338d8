package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Who waits for the greeting, and how long: not trusted networks, not submission, not one that passed. */
@Tag("unit")
class PregreetTest {
    @Test
    void trustedSubmissionAndPassedClientsAreGreetedAtOnceOthersWaitLessUnderStress() {
        AtomicBoolean stressed = new AtomicBoolean();
        // The defaults: postscreen's 6 s, 2 s under stress, a pass kept a day.
        Pregreet p = new Pregreet(Duration.ofSeconds(6), Duration.ofSeconds(2), Duration.ofDays(1), stressed::get);
        assertEquals(6000, p.delayMillis("198.51.100.7", false, false), "a stranger waits");
        assertEquals(0, p.delayMillis("192.0.2.9", true, false), "a trusted network");
        assertEquals(0, p.delayMillis("198.51.100.7", false, true), "the submission port");
        stressed.set(true);
        assertEquals(2000, p.delayMillis("198.51.100.7", false, false), "shorter under stress");
        p.passed("2001:db8:1:2::10");
        assertEquals(0, p.delayMillis("2001:db8:1:2::99", false, false), "the /64 that passed");
        assertEquals(2000, p.delayMillis("2001:db8:1:3::10", false, false), "another /64 waits");
    }
}
