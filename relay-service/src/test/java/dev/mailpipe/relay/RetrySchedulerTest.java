package dev.mailpipe.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.Route;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** When a deferred record is due, and where it goes then. */
class RetrySchedulerTest {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    private static Envelope deferred(Route route, Instant notBefore) {
        Envelope e = Envelope.received("q1", NOW.minusSeconds(3600), new Envelope.Client("127.0.0.1", "c.test", false, null),
                "s@client.test", List.of(Recipient.of("a@dest.test")), 10).withRoute(route);
        return e.withAttempt(1, NOW.minusSeconds(600), notBefore);
    }

    private static ConsumerRecord<String, byte[]> record(String key, Envelope e) {
        ProducerRecord<String, byte[]> p = MailRecords.record("mail.relay.retry.1m", key, e, "x".getBytes());
        return new ConsumerRecord<>(p.topic(), 0, 7, 0L, TimestampType.CREATE_TIME, 0, 0, key, p.value(), p.headers(),
                Optional.empty());
    }

    private static Route route(Instant expiresAt) {
        return new Route("dest.test", List.of(new Route.MxHost("mx.dest.test", 10, List.of("127.0.0.2"))), expiresAt);
    }

    @Test
    void dueAtItsNotBeforeAndAnUnreadableRecordAtOnce() {
        assertEquals(NOW.plusSeconds(60), RetryScheduler.dueAt(record("dest.test", deferred(route(null), NOW.plusSeconds(60)))));
        ConsumerRecord<String, byte[]> garbage = new ConsumerRecord<>("mail.relay.retry.1m", 0, 1, 0L, TimestampType.CREATE_TIME,
                0, 0, "dest.test", "x".getBytes(), new RecordHeaders(), Optional.empty());
        assertEquals(Instant.EPOCH, RetryScheduler.dueAt(garbage), "the relay dead-letters it; it must not wait");
    }

    @Test
    void aFreshRouteGoesBackToTheRelayKeyedByDomain() {
        ProducerRecord<String, byte[]> out = RetryScheduler.forward(
                record("dest.test", deferred(route(NOW.plusSeconds(300)), NOW)), NOW);
        assertEquals("mail.relay", out.topic());
        assertEquals("dest.test", out.key());
        assertEquals("q1", MailRecords.envelope(out.headers()).id(), "the record goes as it is, envelope and all");
    }

    @Test
    void aStaleRouteOrNoneGoesBackToRoutingKeyedByMessageId() {
        ProducerRecord<String, byte[]> stale = RetryScheduler.forward(
                record("dest.test", deferred(route(NOW.minusSeconds(1)), NOW)), NOW);
        assertEquals("mail.inbound", stale.topic());
        assertEquals("q1", stale.key());
        ProducerRecord<String, byte[]> quota = RetryScheduler.forward(record("alice@example.test", deferred(null, NOW)), NOW);
        assertEquals("mail.inbound", quota.topic(), "a delivery deferral has no route: routing decides again");
    }
}
