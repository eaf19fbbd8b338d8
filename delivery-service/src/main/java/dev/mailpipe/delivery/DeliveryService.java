package dev.mailpipe.delivery;

import dev.mailpipe.model.Account;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.MailEvent;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.MalformedEnvelopeException;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.runtime.Backoff;
import dev.mailpipe.runtime.MailboxRegistry;
import dev.mailpipe.runtime.RetryScheduleConfig;
import dev.mailpipe.runtime.StageOutcomes;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.jboss.logging.Logger;

/**
 * delivery-service: the last stage for local mail. Does not face the network (its HTTP API is for
 * operators). Reads {@code mail.delivery} (one record per message, its recipients each naming a
 * mailbox); writes the message into each of those mailboxes' Maildirs from that one record, then
 * lets the offset be committed. Also writes
 * {@code mail.events}, bounces (unknown mailbox; over quota past the queue lifetime), quota
 * deferrals to the retry tiers, and {@code mail.dead-letter} for records it cannot use.
 *
 * <p>At-least-once made idempotent: the offsets of a batch are acknowledged only after its files and
 * their directories are fsync'd, and a record seen again finds its file by name (see
 * {@link MaildirWriter}).
 *
 * <p>Trusts: the routed envelope (the contract) for which mailbox; its API's callers only as the
 * administrator or as a mailbox for its own mail, and a forwarded client address only from the
 * configured proxies (Dovecot).
 */
@ApplicationScoped
public class DeliveryService {
    static final String STAGE = "delivery-service";
    private static final Logger LOG = Logger.getLogger(DeliveryService.class);

    private final DeliveryConfig config;
    private final RetryScheduleConfig retry;
    private final StageOutcomes stageOutcomes;
    private final MailboxRegistry registry;
    private final MaildirWriter writer;
    /** The threads that write one batch's files at once. */
    private final ExecutorService writers;
    private final Path root;
    private final MeterRegistry metrics;
    private final Timer writeTimer;
    private final Timer acceptToDelivered;

    DeliveryService(DeliveryConfig config, RetryScheduleConfig retry, MailboxRegistry registry, MeterRegistry metrics)
            throws InterruptedException {
        this.config = config;
        this.retry = retry;
        this.stageOutcomes = new StageOutcomes(STAGE, config.hostname(), retry);
        this.registry = registry;
        this.writer = new MaildirWriter(config.fsync());
        this.writers = Executors.newFixedThreadPool(config.writers(), r -> {
            Thread t = new Thread(r, "maildir-writer");
            t.setDaemon(true);
            return t;
        });
        this.root = Path.of(config.root());
        this.metrics = metrics;
        this.writeTimer = writeTimer(metrics);
        this.acceptToDelivered = acceptToDelivered(metrics);
        registry.awaitLoaded();
    }

    /**
     * The stage's timers, registered at start as well ({@link DeliveryLoop}), not only with the
     * first message: a series that appears with its first counts has no increase Prometheus can
     * see, and the dashboard's latency panel would stay empty after a restart.
     */
    static Timer writeTimer(MeterRegistry metrics) {
        return Timer.builder("mailpipe.delivery.fsync.latency")
                .description("write, fsync, rename and directory fsync of one batch of messages")
                .publishPercentileHistogram().register(metrics);
    }

    /**
     * What a user waits for: from the ingress's 250 (the envelope's receivedAt) to the file in
     * new/, across every stage. The dashboard's latency panel and bench/compare's figure.
     */
    static Timer acceptToDelivered(MeterRegistry metrics) {
        return Timer.builder("mailpipe.delivery.accept.to.delivered")
                .description("from the ingress accepting a message to its file in the mailbox")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(5))
                .maximumExpectedValue(Duration.ofHours(1)).register(metrics);
    }

    /**
     * One poll's records ({@link DeliveryLoop}): each is checked on its own (unusable, unknown
     * mailbox, over quota), the rest are written together ({@link MaildirWriter#deliverAll}). Returns
     * once every file and directory is fsync'd and every bounce, deferral and dead letter is
     * acknowledged: then the batch's offsets may be committed.
     */
    void deliver(ConsumerRecords<String, byte[]> records, DeliveryOutput out) throws InterruptedException {
        List<MaildirWriter.Delivery> batch = new ArrayList<>(records.count());
        // Each delivery's mailbox copy, for a hand-over to the retry tiers.
        Map<MaildirWriter.Delivery, Copy> origin = new java.util.IdentityHashMap<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            try {
                for (Copy copy : copies(record, out)) {
                    MaildirWriter.Delivery d = accept(copy, out);
                    if (d != null) {
                        batch.add(d);
                        origin.put(d, copy);
                    }
                }
            } catch (RuntimeException e) {
                // A record this stage cannot handle for a reason it did not foresee goes to the
                // dead-letter topic with that reason, never round and round.
                LOG.errorf(e, "cannot handle %s-%d@%d", record.topic(), record.partition(), record.offset());
                reject(record, "unexpected: " + e, out);
            }
        }
        if (!batch.isEmpty()) {
            writeOrDefer(batch, origin, out);
        }
        out.awaitDurable();
    }

    /**
     * One mailbox's copy of a record's message: the mailbox, its Maildir, the record's envelope, and
     * the recipients bound for that mailbox.
     */
    private record Copy(ConsumerRecord<String, byte[]> record, String mailbox, Path maildir, Envelope envelope,
            List<Recipient> recipients) {

        /** The envelope narrowed to this mailbox's recipients, for its bounce or deferral alone. */
        Envelope narrowed() {
            return envelope.withRecipients(recipients.stream().map(r -> r.withMailbox(null)).toList());
        }
    }

    /**
     * The copies one record asks for: one per mailbox its recipients name (routing writes a message's
     * every local copy in one record), or the record's key for recipients that name none (records
     * written before that). Empty once the record went to the dead letters: an envelope that cannot
     * be read, or a mailbox that is no safe path.
     */
    private List<Copy> copies(ConsumerRecord<String, byte[]> record, DeliveryOutput out) {
        Envelope envelope;
        Map<String, List<Recipient>> byMailbox = new LinkedHashMap<>();
        Map<String, Path> maildirs = new HashMap<>();
        try {
            envelope = MailRecords.envelope(record);
            for (Recipient r : envelope.recipients()) {
                String mailbox = r.mailbox().orElse(record.key() == null ? "" : record.key());
                if (!maildirs.containsKey(mailbox)) {
                    maildirs.put(mailbox, MailboxPath.of(root, mailbox));
                }
                byMailbox.computeIfAbsent(mailbox, k -> new ArrayList<>()).add(r);
            }
        } catch (MalformedEnvelopeException | MailboxPath.UnsafeAddressException e) {
            reject(record, e.getMessage(), out);
            return List.of();
        }
        if (byMailbox.isEmpty()) {
            reject(record, "envelope has no recipient", out);
            return List.of();
        }
        List<Copy> copies = new ArrayList<>(byMailbox.size());
        byMailbox.forEach((mailbox, rs) -> copies.add(new Copy(record, mailbox, maildirs.get(mailbox), envelope, rs)));
        return copies;
    }

    /** What to write for one copy, or null once it is dealt with otherwise (bounce, quota). */
    private MaildirWriter.Delivery accept(Copy copy, DeliveryOutput out) {
        Envelope envelope = copy.envelope();
        String mailbox = copy.mailbox();
        Path maildir = copy.maildir();
        byte[] message = copy.record().value();
        Optional<Account.Mailbox> account = registry.mailbox(mailbox);
        if (account.isEmpty()) {
            // Deleted after the ingress accepted mail for it: the sender learns through a bounce.
            bounce(copy.narrowed(), message, "5.1.1", "x-mailpipe; mailbox " + mailbox + " does not exist (any more)", out);
            return null;
        }
        byte[] head = ("Return-Path: <" + envelope.mailFrom() + ">\r\nDelivered-To: " + mailbox + "\r\n")
                .getBytes(StandardCharsets.UTF_8);
        long quota = account.get().quotaBytes();
        // Checked against what is on disk before the batch: several messages of one batch may take a
        // mailbox slightly past its quota, as with Dovecot's own soft quota.
        try {
            if (quota > 0 && MaildirQuota.usedBytes(maildir) + head.length + message.length > quota) {
                overQuota(copy, quota, out);
                return null;
            }
        } catch (IOException e) {
            LOG.warnf("cannot read the size of %s (%s); delivering %s without the quota check", maildir, e, envelope.id());
        }
        // Spam the content filter let through goes to the Junk folder (Maildir++ ".Junk", which
        // Dovecot shows as Junk): the user sees it, the inbox does not.
        Path folder = envelope.junk() && account.get().junkFolder() ? maildir.resolve(".Junk") : maildir;
        return new MaildirWriter.Delivery(folder, envelope.id(), mailbox, envelope.receivedAt().toEpochMilli(), head,
                message);
    }

    /**
     * Disk full, permissions, a vanished mount: what failed is tried again here a few times with a
     * growing wait, then handed to the retry tiers ({@code local-attempts}, {@code local-retry-time})
     * with the enhanced code of its cause, so that the partition moves on; it is never dropped.
     * What succeeded is not written again.
     */
    private void writeOrDefer(List<MaildirWriter.Delivery> batch, Map<MaildirWriter.Delivery, Copy> origin,
            DeliveryOutput out) throws InterruptedException {
        Backoff backoff = new Backoff(0, config.retryInitialDelay(), config.retryMaxDelay());
        long giveUpAt = System.nanoTime() + config.localRetryTime().toNanos();
        List<MaildirWriter.Delivery> todo = batch;
        for (int attempt = 1; ; attempt++) {
            Duration wait = backoff.after(attempt);
            boolean last = attempt >= config.localAttempts() || System.nanoTime() + wait.toNanos() > giveUpAt;
            long started = System.nanoTime();
            List<MaildirWriter.Delivery> failed = new ArrayList<>();
            for (MaildirWriter.Result r : writer.deliverAll(todo, writers)) {
                if (r.error() != null) {
                    metrics.counter("mailpipe.delivery.failures", "reason", r.error().getClass().getSimpleName()).increment();
                    if (last) {
                        deferFailed(r, origin.get(r.delivery()), attempt, out);
                    } else {
                        failed.add(r.delivery());
                        LOG.warnf("cannot deliver %s to <%s> (%s); retrying in %s", r.delivery().messageId(),
                                r.delivery().recipient(), r.error(), wait);
                    }
                } else {
                    delivered(r, out);
                }
            }
            writeTimer.record(Duration.ofNanos(System.nanoTime() - started));
            if (failed.isEmpty()) {
                return;
            }
            Thread.sleep(wait.toMillis());
            todo = failed;
        }
    }

    /** A mailbox that could not be written after the local attempts: its copy waits in the retry tiers. */
    private void deferFailed(MaildirWriter.Result r, Copy copy, int attempts, DeliveryOutput out) {
        String status = MaildirFailure.status(r.error());
        String reason = status + " cannot write to the mailbox of " + r.delivery().recipient() + " after " + attempts
                + " attempts: " + MaildirFailure.describe(r.error());
        metrics.counter("mailpipe.delivery.messages", "outcome", "deferred").increment();
        if (retry.expired(copy.envelope().receivedAt(), Instant.now())) {
            bounce(copy.narrowed(), copy.record().value(), "5" + status.substring(1), "x-mailpipe; " + reason, out);
            return;
        }
        defer(copy, reason, out);
    }

    /** One mailbox's copy to the retry tiers, keyed by that mailbox; it comes back through routing. */
    private void defer(Copy copy, String reason, DeliveryOutput out) {
        out.durable(stageOutcomes.defer(copy.narrowed().withRoute(null), copy.mailbox(), copy.record().value(), reason,
                Instant.now()).records());
    }

    private void delivered(MaildirWriter.Result r, DeliveryOutput out) {
        MaildirWriter.Delivery d = r.delivery();
        String outcome = r.duplicate() ? "duplicate" : "delivered";
        metrics.counter("mailpipe.delivery.messages", "outcome", outcome).increment();
        if (!r.duplicate()) {
            metrics.counter("mailpipe.delivery.bytes").increment(d.head().length + d.body().length);
            acceptToDelivered.record(Math.max(0, System.currentTimeMillis() - d.receivedEpochMillis()),
                    java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        String file = r.file().getFileName().toString();
        // Concatenated, not formatted: a line per recipient, and String.format's parse is dear.
        LOG.info((r.duplicate() ? "already delivered " : "delivered ") + d.messageId() + " to <" + d.recipient() + ">: " + file);
        out.event(MailEvent.of(d.messageId(), STAGE, outcome, d.recipient(), file)
                .with("mailbox", d.recipient()).with("file", file));
    }

    /**
     * Over quota: the mailbox may be emptied soon, so the message waits in the retry tiers (4.2.2) and
     * comes back through routing; once it has outlived the queue lifetime it bounces (5.2.2).
     */
    private void overQuota(Copy copy, long quota, DeliveryOutput out) {
        metrics.counter("mailpipe.delivery.failures", "reason", "over-quota").increment();
        String full = "mailbox " + copy.mailbox() + " is full (quota " + quota + ")";
        if (retry.expired(copy.envelope().receivedAt(), Instant.now())) {
            bounce(copy.narrowed(), copy.record().value(), "5.2.2", "x-mailpipe; " + full, out);
            return;
        }
        defer(copy, "4.2.2 " + full, out);
    }

    private void bounce(Envelope envelope, byte[] message, String status, String diagnostic, DeliveryOutput out) {
        metrics.counter("mailpipe.delivery.messages", "outcome", "bounced").increment();
        out.durable(stageOutcomes.bounceAll(envelope, message, status, diagnostic, Instant.now()));
    }

    private void reject(ConsumerRecord<String, byte[]> record, String reason, DeliveryOutput out) {
        metrics.counter("mailpipe.delivery.failures", "reason", "unusable-record").increment();
        out.durable(stageOutcomes.deadLetter(record, reason));
    }

}
