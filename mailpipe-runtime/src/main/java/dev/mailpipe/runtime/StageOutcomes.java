package dev.mailpipe.runtime;

import dev.mailpipe.model.Bounce;
import dev.mailpipe.model.DeadLetters;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.FailureClass;
import dev.mailpipe.model.MailEvent;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.Topics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.jboss.logging.Logger;

/**
 * What a stage writes when it cannot finish a message now, the same in every stage: a deferral to
 * the next retry tier, a bounce back to the sender, a dead letter. Each comes as the records to send
 * (the stage sends them its own way: in its transaction, or acknowledged before its offset moves),
 * with the events and the log line that say what happened.
 */
public final class StageOutcomes {
    private static final Logger LOG = Logger.getLogger(StageOutcomes.class);

    private final String stage;
    private final String reportingMta;
    private final RetryScheduleConfig retry;

    /** @param reportingMta the host name a DSN names as its sender (RFC 3464 Reporting-MTA) */
    public StageOutcomes(String stage, String reportingMta, RetryScheduleConfig retry) {
        this.stage = stage;
        this.reportingMta = reportingMta;
        this.retry = retry;
    }

    /** A deferral's records and when the message is due again. */
    public record Deferral(Instant due, List<ProducerRecord<String, byte[]>> records) {
    }

    /**
     * The message waits in the retry tier for its next attempt: attempt counted, first attempt kept,
     * due after that tier's delay; a "deferred" event per recipient.
     *
     * @param envelope what is deferred (only its recipients), with the route it should keep
     * @param key the record key of the stage it goes back to (domain or mailbox)
     */
    public Deferral defer(Envelope envelope, String key, byte[] message, String reason, Instant now) {
        int attempt = envelope.attempt() + 1;
        Instant due = now.plus(retry.delayAfter(attempt));
        // The reason travels with the message, so the queue listing says why it waits.
        Envelope later = envelope.withAttempt(attempt, envelope.firstAttemptAt().orElse(now), due)
                .withText(Envelope.LAST_DEFERRAL, reason);
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
        String tier = retry.topicAfter(attempt);
        out.add(MailRecords.record(tier, key, later, message));
        for (Recipient r : envelope.recipients()) {
            out.add(MailEvent.of(envelope.id(), stage, "deferred", r.address(), reason + "; next attempt " + due)
                    .with("reason", reason).with("class", FailureClass.of(null, reason).label())
                    .with("tier", tier.substring(Topics.RETRY_PREFIX.length()))
                    .with("attempt", attempt).with("due", due.toString()).toRecord());
        }
        LOG.infof("deferred %s to %d recipient(s) until %s: %s", envelope.id(), envelope.recipients().size(), due, reason);
        return new Deferral(due, out);
    }

    /**
     * The failed recipients bounce: a "bounced" event each, and one DSN to the sender through
     * {@code mail.notices} (none for the null sender or when no one asked for one).
     */
    public List<ProducerRecord<String, byte[]>> bounce(Envelope envelope, byte[] message, List<Bounce.Failure> failures, Instant now) {
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
        for (Bounce.Failure f : failures) {
            String why = f.status() + " " + f.diagnostic();
            out.add(MailEvent.of(envelope.id(), stage, "bounced", f.recipient().address(), why)
                    .with("status", f.status()).with("class", FailureClass.of(f.status(), f.diagnostic()).label())
                    .with("remoteHost", f.remoteMta()).toRecord());
            LOG.infof("bounced %s to <%s>: %s", envelope.id(), f.recipient().address(), why);
        }
        Bounce.of(envelope, message, failures, reportingMta, now).ifPresent(
                n -> out.add(MailRecords.record(Topics.NOTICES, n.envelope().id(), n.envelope(), n.message())));
        return out;
    }

    /** Every recipient of the envelope bounces for the same reason. */
    public List<ProducerRecord<String, byte[]>> bounceAll(Envelope envelope, byte[] message, String status, String diagnostic, Instant now) {
        return bounce(envelope, message, envelope.recipients().stream()
                .map(r -> new Bounce.Failure(r, status, diagnostic, null)).toList(), now);
    }

    /**
     * Input the stage cannot use goes to {@code mail.dead-letter} as it came, with why, and is never
     * read again by the stage: no endless loop on a bad record.
     */
    public List<ProducerRecord<String, byte[]>> deadLetter(String topic, int partition, long offset, String key, byte[] value,
            Headers headers, String reason) {
        LOG.errorf("dead-lettering %s-%d@%d (key %s): %s", topic, partition, offset, key, reason);
        return List.of(DeadLetters.record(stage, topic, key, value, headers, reason),
                MailEvent.of(key == null ? "unknown" : key, stage, "dead-lettered", key, reason).toRecord());
    }

    public List<ProducerRecord<String, byte[]>> deadLetter(ConsumerRecord<String, byte[]> record, String reason) {
        return deadLetter(record.topic(), record.partition(), record.offset(), record.key(), record.value(),
                record.headers(), reason);
    }
}
