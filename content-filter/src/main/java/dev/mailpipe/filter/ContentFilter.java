package dev.mailpipe.filter;

import dev.mailpipe.model.DeadLetters;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.MailEvent;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.MalformedEnvelopeException;
import dev.mailpipe.model.PeerText;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.Topics;
import dev.mailpipe.scan.RspamdClient;
import dev.mailpipe.scan.RspamdVerdict;
import dev.mailpipe.scan.ScanRequest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/**
 * content-filter: the content scan after the queue, for sites whose scanners are slow. Reads
 * {@code mail.scan} (what the ingress accepted in after-queue mode), asks rspamd about each message
 * (its antivirus module makes that a ClamAV scan too), and writes what goes on to
 * {@code mail.inbound}, with rspamd's header changes and its verdict in the envelope, as the ingress
 * would have before the queue; {@code mail.events} and {@code mail.dead-letter} beside.
 *
 * <p>The {@code 250} has been given, so a refusal reaches nobody: spam rspamd would refuse is
 * quarantined into the Junk folder or dropped (by {@link FilterConfig#rejected()}), a virus is
 * dropped, each with an event. Nothing is ever bounced: the sender of mail that fails a scan is the
 * address most likely forged. A soft reject or greylist (asking the client to come back) means
 * nothing once the message is queued; it goes on as scanned.
 *
 * <p>When rspamd does not answer, the whole poll is read again later (nothing is lost, and
 * {@code mail.scan}'s lag shows the wait); a message older than
 * {@link FilterConfig#unscannedAfter()} goes on marked {@code unscanned} instead.
 */
@ApplicationScoped
public class ContentFilter {
    static final String STAGE = "content-filter";
    private static final Logger LOG = Logger.getLogger(ContentFilter.class);

    private final FilterConfig config;
    private final RspamdClient rspamd;
    private final MeterRegistry registry;
    private final Timer latency;

    ContentFilter(FilterConfig config, Vertx vertx, MeterRegistry registry) {
        this.config = config;
        this.rspamd = new RspamdClient(vertx, config.rspamdUrl(), config.timeout(), Math.max(1, config.batchSize()));
        this.registry = registry;
        this.latency = Timer.builder("mailpipe.filter.scan.latency").description("time rspamd took to scan a message")
                .publishPercentileHistogram().register(registry);
    }

    @PreDestroy
    void close() {
        rspamd.close();
    }

    /** rspamd could not scan a message that may still wait: the poll is read again later. */
    static final class ScannerUnavailable extends RuntimeException {
        ScannerUnavailable(String message) {
            super(message);
        }
    }

    /**
     * Everything the stage writes for these records, in their order. Their scans run at once, each
     * bounded by {@link FilterConfig#timeout()}.
     */
    List<ProducerRecord<String, byte[]>> scan(Iterable<ConsumerRecord<String, byte[]>> records) {
        List<Scan> scans = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            try {
                Envelope envelope = MailRecords.envelope(record);
                Envelope.Client c = envelope.client();
                ScanRequest request = new ScanRequest(envelope.mailFrom(),
                        envelope.recipients().stream().map(Recipient::address).toList(), c.ip(), c.helo(), envelope.id(),
                        c.auth());
                scans.add(new Scan(record, envelope, rspamd.check(request, record.value()), System.nanoTime()));
            } catch (MalformedEnvelopeException e) {
                scans.add(new Scan(record, null, null, 0));
            }
        }
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>(scans.size() * 2);
        for (Scan s : scans) {
            if (s.envelope() == null) {
                deadLetter(out, s.record(), "unreadable envelope");
                continue;
            }
            RspamdVerdict verdict;
            try {
                verdict = s.answer().toCompletionStage().toCompletableFuture()
                        .get(config.timeout().toMillis() + 5000, TimeUnit.MILLISECONDS);
                latency.record(Duration.ofNanos(System.nanoTime() - s.started()));
            } catch (ExecutionException | TimeoutException e) {
                String why = PeerText.oneLine(String.valueOf(e instanceof ExecutionException ? e.getCause().getMessage() : e));
                if (Duration.between(s.envelope().receivedAt(), Instant.now()).compareTo(config.unscannedAfter()) < 0) {
                    throw new ScannerUnavailable("rspamd did not scan " + s.envelope().id() + ": " + why);
                }
                count("unscanned");
                LOG.warnf("%s goes on unscanned: received %s, rspamd still failing: %s", s.envelope().id(),
                        s.envelope().receivedAt(), why);
                passOn(out, s, s.envelope().withContentScan("unscanned: " + why, s.envelope().junk()), s.record().value());
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ScannerUnavailable("interrupted");
            }
            decide(out, s, verdict);
        }
        return out;
    }

    private record Scan(ConsumerRecord<String, byte[]> record, Envelope envelope, Future<RspamdVerdict> answer, long started) {
    }

    private void decide(List<ProducerRecord<String, byte[]>> out, Scan s, RspamdVerdict verdict) {
        Envelope envelope = s.envelope();
        String summary = verdict.summary();
        LOG.infof("%s %s", envelope.id(), summary);
        if (verdict.virusName() != null) {
            drop(out, envelope, "virus found: " + verdict.virusName(), summary);
            return;
        }
        byte[] message = verdict.editHeader(s.record().value(), 0);
        if (verdict.rejected()) {
            if (config.rejected() == FilterConfig.Rejected.DROP || envelope.trustedOrigin()) {
                drop(out, envelope, "spam: " + verdict.replyText("rejected by rspamd"), summary);
                return;
            }
            count("quarantined");
            byte[] fields = ("X-Spam: Yes\r\n" + "X-Mailpipe-Quarantine: " + PeerText.oneLine(verdict.replyText("spam"))
                    + "\r\n").getBytes(StandardCharsets.UTF_8);
            passOn(out, s, envelope.withContentScan(summary, true), prepend(fields, message));
            return;
        }
        count(verdict.junk() ? "junk" : "clean");
        passOn(out, s, envelope.withContentScan(summary, verdict.junk() || envelope.junk()), prepend(verdict.fieldsToAdd(), message));
    }

    private static void passOn(List<ProducerRecord<String, byte[]>> out, Scan s, Envelope scanned, byte[] message) {
        out.add(MailRecords.record(Topics.INBOUND, scanned.id(), scanned, message));
        out.add(MailEvent.of(scanned.id(), STAGE, "scanned", null, scanned.contentScan().orElse(""))
                .with("junk", scanned.junk()).toRecord());
    }

    private void drop(List<ProducerRecord<String, byte[]>> out, Envelope envelope, String reason, String summary) {
        count("dropped");
        LOG.warnf("%s dropped after the queue, not bounced: %s", envelope.id(), reason);
        out.add(MailEvent.of(envelope.id(), STAGE, "filtered", null, reason).with("contentScan", summary)
                .with("recipients", envelope.recipients().stream().map(Recipient::address).toList()).toRecord());
    }

    /** Input the stage cannot use, to {@code mail.dead-letter} as it came: never read again, no endless loop. */
    private void deadLetter(List<ProducerRecord<String, byte[]>> out, ConsumerRecord<String, byte[]> r, String reason) {
        count("dead-letter");
        LOG.errorf("dead-lettering %s-%d@%d (key %s): %s", r.topic(), r.partition(), r.offset(), PeerText.oneLine(String.valueOf(r.key())),
                reason);
        out.add(DeadLetters.record(STAGE, r.topic(), r.key(), r.value(), r.headers(), reason));
        out.add(MailEvent.of(r.key() == null ? "unknown" : r.key(), STAGE, "dead-lettered", r.key(), reason).toRecord());
    }

    /** The fields on top of the message: after the queue this server's trace field is part of what is scanned. */
    private static byte[] prepend(byte[] fields, byte[] message) {
        if (fields.length == 0) {
            return message;
        }
        byte[] with = new byte[fields.length + message.length];
        System.arraycopy(fields, 0, with, 0, fields.length);
        System.arraycopy(message, 0, with, fields.length, message.length);
        return with;
    }

    private void count(String outcome) {
        registry.counter("mailpipe.filter.scanned", "outcome", outcome).increment();
    }
}
