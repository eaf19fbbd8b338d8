package dev.mailpipe.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** When a deferred record is due, where it goes then, and which records a command takes. */
@Tag("unit")
class DueRecordsTest {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    private static Envelope deferred(Route route, Instant notBefore) {
        Envelope e = Envelope.received("q1", NOW.minusSeconds(3600), new Envelope.Client("127.0.0.1", "c.test", false, null),
                "s@client.test", List.of(Recipient.of("a@dest.test")), 10).withRoute(route);
        return e.withAttempt(1, NOW.minusSeconds(600), notBefore);
    }

    private static ConsumerRecord<String, byte[]> record(String key, Envelope e) {
        ProducerRecord<String, byte[]> p = MailRecords.record("mail.retry.1", key, e, "x".getBytes());
        return new ConsumerRecord<>(p.topic(), 0, 7, 0L, TimestampType.CREATE_TIME, 0, 0, key, p.value(), p.headers(),
                Optional.empty());
    }

    private static Route route(Instant expiresAt) {
        return new Route("dest.test", List.of(new Route.MxHost("mx.dest.test", 10, List.of("127.0.0.2"))), expiresAt);
    }

    @Test
    void dueAtItsNotBeforeAndAnUnreadableRecordAtOnce() {
        assertEquals(NOW.plusSeconds(60), DueRecords.dueAt(record("dest.test", deferred(route(null), NOW.plusSeconds(60)))));
        ConsumerRecord<String, byte[]> garbage = new ConsumerRecord<>("mail.retry.1", 0, 1, 0L, TimestampType.CREATE_TIME,
                0, 0, "dest.test", "x".getBytes(), new RecordHeaders(), Optional.empty());
        assertEquals(Instant.EPOCH, DueRecords.dueAt(garbage), "the relay dead-letters it; it must not wait");
    }

    @Test
    void aFreshRouteGoesBackToTheRelayKeyedByItsSite() {
        Route route = route(NOW.plusSeconds(300));
        ProducerRecord<String, byte[]> out = DueRecords.forward(record("dest.test", deferred(route, NOW)), NOW);
        assertEquals("mail.relay", out.topic());
        assertEquals(route.site(), out.key(), "as routing keys it: the site's mail meets one relay replica");
        assertEquals("q1", MailRecords.envelope(out.headers()).id(), "the record goes as it is, envelope and all");
    }

    @Test
    void aStaleRouteOrNoneGoesBackToRoutingKeyedByMessageId() {
        ProducerRecord<String, byte[]> stale = DueRecords.forward(
                record("dest.test", deferred(route(NOW.minusSeconds(1)), NOW)), NOW);
        assertEquals("mail.inbound", stale.topic());
        assertEquals("q1", stale.key());
        ProducerRecord<String, byte[]> quota = DueRecords.forward(record("alice@example.test", deferred(null, NOW)), NOW);
        assertEquals("mail.inbound", quota.topic(), "a delivery deferral has no route: routing decides again");
    }

    @Test
    void aRequeuedRecordKeepsItsPartitionKeyAndEnvelope() {
        ConsumerRecord<String, byte[]> r = record("dest.test", deferred(route(null), NOW.plusSeconds(60)));
        ProducerRecord<String, byte[]> again = DueRecords.requeue(r);
        assertEquals(r.topic(), again.topic());
        assertEquals(Integer.valueOf(r.partition()), again.partition(), "behind the others of its partition, not anywhere");
        assertEquals("dest.test", again.key());
        assertEquals(NOW.plusSeconds(60), MailRecords.envelope(again.headers()).notBefore().orElseThrow(),
                "it stays due when it was due");
    }

    @Test
    void aFlushSelectsByDestinationOrRecipientDomainAndADropByQueueId() {
        Envelope e = deferred(route(null), NOW);
        assertTrue(new QueueCommand.Flush(null).selects("dest.test", e));
        assertTrue(new QueueCommand.Flush("DEST.test").selects("dest.test", e), "domains compare without case");
        assertTrue(new QueueCommand.Flush("dest.test").selects("a@dest.test", e), "a quota deferral is keyed by mailbox");
        assertFalse(new QueueCommand.Flush("est.test").selects("other.test", e), "a suffix is not the domain");
        assertTrue(new QueueCommand.Drop("q1").selects("dest.test", e));
        assertFalse(new QueueCommand.Drop("q2").selects("dest.test", e));
        assertFalse(new QueueCommand.List().selects("dest.test", e), "listing takes nothing out");
    }
}
