package dev.mailpipe.delivery;

import dev.mailpipe.model.Account;
import dev.mailpipe.model.Bounce;
import dev.mailpipe.model.DeadLetters;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.EnvelopeCodec;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.MailEvent;
import dev.mailpipe.model.MailboxRegistry;
import dev.mailpipe.model.MalformedEnvelopeException;
import dev.mailpipe.model.RecordHeaders;
import dev.mailpipe.model.RetryScheduleConfig;
import dev.mailpipe.model.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * delivery-service: the last stage for local mail. Does not face the network (its HTTP API is for
 * operators). Reads {@code mail.delivery} (one record per mailbox, keyed by mailbox); writes the
 * message into that mailbox's Maildir, then lets the offset be committed. Also writes
 * {@code mail.events}, bounces (unknown mailbox; over quota past the queue lifetime), quota
 * deferrals to the retry tiers, and {@code mail.dead-letter} for records it cannot use.
 *
 * <p>At-least-once made idempotent: the offset is acknowledged only after the file and its directory
 * are fsync'd, and a record seen again finds its file by name (see {@link MaildirWriter}).
 */
@ApplicationScoped
public class DeliveryService {
    static final String STAGE = "delivery-service";
    private static final Logger LOG = Logger.getLogger(DeliveryService.class);

    private final DeliveryConfig config;
    private final RetryScheduleConfig retry;
    private final MailboxRegistry registry;
    private final MaildirWriter writer;
    private final Path root;
    private final MeterRegistry metrics;
    private final Timer writeTimer;

    @Inject
    @Channel("outcomes")
    MutinyEmitter<byte[]> outcomes;

    DeliveryService(DeliveryConfig config, RetryScheduleConfig retry, MailboxRegistry registry, MeterRegistry metrics)
            throws InterruptedException {
        this.config = config;
        this.retry = retry;
        this.registry = registry;
        this.writer = new MaildirWriter(config.fsync());
        this.root = Path.of(config.root());
        this.metrics = metrics;
        this.writeTimer = Timer.builder("mailpipe.delivery.fsync.latency")
                .description("write, fsync, rename and directory fsync of one message")
                .publishPercentileHistogram().register(metrics);
        registry.awaitLoaded();
    }

    @Incoming("delivery")
    @Blocking
    public void deliver(ConsumerRecord<String, byte[]> record) throws InterruptedException {
        Envelope envelope;
        Path maildir;
        try {
            envelope = EnvelopeCodec.decode(header(record, RecordHeaders.ENVELOPE));
            maildir = MailboxPath.of(root, record.key() == null ? "" : record.key());
        } catch (MalformedEnvelopeException | MailboxPath.UnsafeAddressException e) {
            reject(record, e.getMessage());
            return;
        }
        String mailbox = record.key();
        Optional<Account.Mailbox> account = registry.mailbox(mailbox);
        if (account.isEmpty()) {
            // Deleted after the ingress accepted mail for it: the sender learns through a bounce.
            bounce(envelope, record.value(), "5.1.1", "x-mailpipe; mailbox " + mailbox + " does not exist (any more)");
            return;
        }
        byte[] head = ("Return-Path: <" + envelope.mailFrom() + ">\r\nDelivered-To: " + mailbox + "\r\n")
                .getBytes(StandardCharsets.UTF_8);
        long quota = account.get().quotaBytes();
        Duration wait = config.retryInitialDelay();
        while (true) {
            long started = System.nanoTime();
            try {
                if (quota > 0 && MaildirQuota.usedBytes(maildir) + head.length + record.value().length > quota) {
                    overQuota(envelope, record, mailbox, quota);
                    return;
                }
                MaildirWriter.Result r = writer.deliver(maildir, envelope.id(), mailbox,
                        envelope.receivedAt().getEpochSecond(), head, record.value());
                writeTimer.record(Duration.ofNanos(System.nanoTime() - started));
                String outcome = r.duplicate() ? "duplicate" : "delivered";
                metrics.counter("mailpipe.delivery.messages", "outcome", outcome).increment();
                if (!r.duplicate()) {
                    metrics.counter("mailpipe.delivery.bytes").increment(head.length + record.value().length);
                }
                LOG.infof("%s %s to <%s>: %s", r.duplicate() ? "already delivered" : "delivered", envelope.id(),
                        mailbox, r.file().getFileName());
                outcomes.sendMessageAndForget(MailEvent.of(envelope.id(), STAGE, outcome, mailbox,
                        r.file().getFileName().toString()).toMessage());
                return;
            } catch (IOException e) {
                // Disk full, permissions, a vanished mount: the record stays unacknowledged and is
                // tried again; it is never dropped.
                metrics.counter("mailpipe.delivery.failures", "reason", e.getClass().getSimpleName()).increment();
                LOG.warnf("cannot deliver %s to <%s> (%s); retrying in %s", envelope.id(), mailbox, e, wait);
                Thread.sleep(wait.toMillis());
                Duration doubled = wait.multipliedBy(2);
                wait = doubled.compareTo(config.retryMaxDelay()) > 0 ? config.retryMaxDelay() : doubled;
            }
        }
    }

    /**
     * Over quota: the mailbox may be emptied soon, so the message waits in the retry tiers (4.2.2) and
     * comes back through routing; once it has outlived the queue lifetime it bounces (5.2.2).
     */
    private void overQuota(Envelope envelope, ConsumerRecord<String, byte[]> record, String mailbox, long quota) {
        metrics.counter("mailpipe.delivery.failures", "reason", "over-quota").increment();
        Instant now = Instant.now();
        if (retry.expired(envelope.receivedAt(), now)) {
            bounce(envelope, record.value(), "5.2.2", "x-mailpipe; mailbox " + mailbox + " is full (quota " + quota + ")");
            return;
        }
        int attempts = envelope.attempt() + 1;
        Instant due = now.plus(retry.delayAfter(attempts));
        Envelope later = envelope.withRoute(null).withAttempt(attempts, envelope.firstAttemptAt().orElse(now), due);
        List<Message<byte[]>> out = List.of(
                MailRecords.mail(retry.topicAfter(attempts), record.key(), later, record.value()),
                MailEvent.of(envelope.id(), STAGE, "deferred", mailbox, "4.2.2 mailbox full; next attempt " + due).toMessage());
        LOG.infof("deferred %s to <%s>: mailbox over quota, next attempt %s", envelope.id(), mailbox, due);
        send(out);
    }

    private void bounce(Envelope envelope, byte[] message, String status, String diagnostic) {
        metrics.counter("mailpipe.delivery.messages", "outcome", "bounced").increment();
        List<Message<byte[]>> out = new ArrayList<>();
        for (var r : envelope.recipients()) {
            out.add(MailEvent.of(envelope.id(), STAGE, "bounced", r.address(), status + " " + diagnostic).toMessage());
        }
        Bounce.of(envelope, message, envelope.recipients().stream()
                        .map(r -> new Bounce.Failure(r, status, diagnostic, null)).toList(), config.hostname(), Instant.now())
                .ifPresent(n -> out.add(MailRecords.mail(Topics.INBOUND, n.envelope().id(), n.envelope(), n.message())));
        LOG.infof("bounced %s: %s %s", envelope.id(), status, diagnostic);
        send(out);
    }

    private void reject(ConsumerRecord<String, byte[]> record, String reason) {
        metrics.counter("mailpipe.delivery.failures", "reason", "unusable-record").increment();
        LOG.errorf("dead-lettering record %s-%d@%d (key %s): %s", record.topic(), record.partition(),
                record.offset(), record.key(), reason);
        String id = record.key() == null ? "unknown" : record.key();
        send(List.of(DeadLetters.message(STAGE, record.topic(), record.key(), record.value(), record.headers(), reason),
                MailEvent.of(id, STAGE, "dead-lettered", record.key(), reason).toMessage()));
    }

    /** Sends and waits for every acknowledgement: the offset moves only after the outcome is durable. */
    private void send(List<Message<byte[]>> messages) {
        for (Message<byte[]> m : messages) {
            outcomes.sendMessageAndAwait(m);
        }
    }


    private static byte[] header(ConsumerRecord<String, byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : h.value();
    }
}
