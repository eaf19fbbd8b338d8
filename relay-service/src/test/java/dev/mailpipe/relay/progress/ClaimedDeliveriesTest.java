package dev.mailpipe.relay.progress;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.Recipient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ClaimedDeliveriesTest {
    private static Envelope envelope(String id) {
        return Envelope.received(id, Instant.now(), new Envelope.Client("127.0.0.1", "t", false, null), "s@y.test",
                List.of(Recipient.of("r@d.test")), 10);
    }

    @Test
    void aRecordReadAgainIsNotDeliveredTwiceButARetryIs() {
        ClaimedDeliveries f = new ClaimedDeliveries(100, Duration.ofMinutes(1));
        Envelope first = envelope("m1");
        assertTrue(f.claim(first, "d.test"));
        assertFalse(f.claim(first, "d.test"), "the same record again: already this replica's");
        assertTrue(f.claim(first, "other.test"), "another destination of the same message");
        assertTrue(f.claim(envelope("m2"), "d.test"), "another message");
        Envelope retry = first.withAttempt(1, Instant.now(), Instant.now());
        assertTrue(f.claim(retry, "d.test"), "the next attempt is a new delivery");
    }

    @Test
    void aFailedDeliveryMayBeTriedAgain() {
        ClaimedDeliveries f = new ClaimedDeliveries(100, Duration.ofMinutes(1));
        Envelope e = envelope("m3");
        assertTrue(f.claim(e, "d.test"));
        f.release(e, "d.test");
        assertTrue(f.claim(e, "d.test"));
    }
}
