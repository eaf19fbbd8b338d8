package dev.mailpipe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.model.Bounce;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.Recipient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class StageOutcomesTest {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private static final byte[] MESSAGE = "Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8);

    private static final RetryScheduleConfig RETRY = new RetryScheduleConfig() {
        @Override
        public List<Duration> delays() {
            return List.of(Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ofHours(2),
                    Duration.ofHours(6));
        }

        @Override
        public Duration maxLifetime() {
            return Duration.ofDays(5);
        }
    };

    private final StageOutcomes outcomes = new StageOutcomes("relay-service", "mx.example.test", RETRY);

    private static Envelope envelope(String from, int attempt) {
        Envelope e = Envelope.received("m1", NOW.minusSeconds(600), new Envelope.Client("127.0.0.1", "c.test", false, null),
                from, List.of(Recipient.of("a@remote.test"), Recipient.of("b@remote.test")), MESSAGE.length);
        return attempt == 0 ? e : e.withAttempt(attempt, NOW.minusSeconds(300), NOW.minusSeconds(1));
    }

    @Test
    void aDeferralGoesToTheTierOfItsAttemptWithAnEventPerRecipient() {
        StageOutcomes.Deferral d = outcomes.defer(envelope("s@client.test", 1), "remote.test", MESSAGE, "451 4.3.2 busy", NOW);
        assertEquals(NOW.plus(Duration.ofMinutes(5)), d.due(), "the second failure waits in tier 2, 5 minutes");
        ProducerRecord<String, byte[]> retry = d.records().get(0);
        assertEquals("mail.retry.2", retry.topic());
        assertEquals("remote.test", retry.key());
        Envelope later = MailRecords.envelope(headers(retry));
        assertEquals(2, later.attempt());
        assertEquals(NOW.minusSeconds(300), later.firstAttemptAt().orElseThrow(), "the first attempt is kept");
        assertEquals(d.due(), later.notBefore().orElseThrow());
        assertEquals(List.of("mail.events", "mail.events"), d.records().subList(1, 3).stream().map(m -> m.topic()).toList());
        assertTrue(new String(d.records().get(1).value(), StandardCharsets.UTF_8).contains("\"type\":\"deferred\""));
        assertTrue(new String(d.records().get(1).value(), StandardCharsets.UTF_8).contains("\"class\":\"other\""),
                "4.3.2 busy: nothing more is known");
        StageOutcomes.Deferral full = outcomes.defer(envelope("s@client.test", 1), "remote.test", MESSAGE, "452 4.2.2 over quota", NOW);
        assertTrue(new String(full.records().get(1).value(), StandardCharsets.UTF_8).contains("\"class\":\"quota\""));
    }

    @Test
    void theFirstFailureStartsTheAttemptClock() {
        StageOutcomes.Deferral d = outcomes.defer(envelope("s@client.test", 0), "remote.test", MESSAGE, "timeout", NOW);
        Envelope later = MailRecords.envelope(headers(d.records().get(0)));
        assertEquals("mail.retry.1", d.records().get(0).topic());
        assertEquals(NOW, later.firstAttemptAt().orElseThrow());
    }

    @Test
    void aBounceTellsTheSenderOnceAndTheNullSenderNever() {
        List<Bounce.Failure> failures = List.of(new Bounce.Failure(Recipient.of("a@remote.test"), "5.1.1", "550 no such user", "mx"));
        List<ProducerRecord<String, byte[]>> out = outcomes.bounce(envelope("s@client.test", 0), MESSAGE, failures, NOW);
        assertEquals(List.of("mail.events", "mail.notices"), out.stream().map(m -> m.topic()).toList());
        assertTrue(new String(out.get(0).value(), StandardCharsets.UTF_8).contains("\"class\":\"invalid-recipient\""),
                "the bounced event says what the failure means");
        Envelope dsn = MailRecords.envelope(headers(out.get(1)));
        assertEquals("", dsn.mailFrom(), "a DSN goes out from the null sender (RFC 3461 6.2)");
        assertEquals("s@client.test", dsn.recipients().get(0).address());
        assertEquals(List.of("mail.events"),
                outcomes.bounce(envelope("", 0), MESSAGE, failures, NOW).stream().map(m -> m.topic()).toList(),
                "no bounce of a bounce");
    }

    @Test
    void aDeadLetterKeepsTheRecordAndSaysWhoGaveUpAndWhy() {
        Headers original = new RecordHeaders().add("x-original", "1".getBytes(StandardCharsets.UTF_8));
        List<ProducerRecord<String, byte[]>> out = outcomes.deadLetter("mail.relay", 2, 41, "remote.test", MESSAGE, original, "no envelope");
        ProducerRecord<String, byte[]> dead = out.get(0);
        assertEquals("mail.dead-letter", dead.topic());
        Headers h = headers(dead);
        assertEquals("1", MailRecords.text(h, "x-original").orElseThrow());
        assertEquals("relay-service", MailRecords.text(h, dev.mailpipe.model.RecordHeaders.DEAD_LETTER_STAGE).orElseThrow());
        assertEquals("mail.relay", MailRecords.text(h, dev.mailpipe.model.RecordHeaders.DEAD_LETTER_TOPIC).orElseThrow());
        assertEquals("no envelope", MailRecords.text(h, dev.mailpipe.model.RecordHeaders.DEAD_LETTER_REASON).orElseThrow());
        assertEquals("mail.events", out.get(1).topic());
    }

    private static Headers headers(ProducerRecord<String, byte[]> m) {
        return m.headers();
    }
}
