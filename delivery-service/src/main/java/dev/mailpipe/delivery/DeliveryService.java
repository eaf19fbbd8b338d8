package dev.mailpipe.delivery;

import dev.mailpipe.model.DeadLetters;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.EnvelopeCodec;
import dev.mailpipe.model.MailEvent;
import dev.mailpipe.model.MalformedEnvelopeException;
import dev.mailpipe.model.RecordHeaders;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * delivery-service: the last stage for local mail. Does not face the network. Reads
 * {@code mail.delivery} (one record per mailbox, keyed by mailbox); writes the message into that
 * mailbox's Maildir, then lets the offset be committed. Also writes {@code mail.events} and, for
 * records it cannot use, {@code mail.dead-letter}.
 *
 * <p>At-least-once made idempotent: the offset is acknowledged only after the file and its directory
 * are fsync'd, and a record seen again finds its file by name (see {@link MaildirWriter}).
 */
@ApplicationScoped
public class DeliveryService {
    static final String STAGE = "delivery-service";
    private static final Logger LOG = Logger.getLogger(DeliveryService.class);

    private final DeliveryConfig config;
    private final MaildirWriter writer;
    private final Path root;
    private final MeterRegistry registry;
    private final Timer writeTimer;

    @Inject
    @Channel("events")
    MutinyEmitter<byte[]> events;

    @Inject
    @Channel("dead-letter")
    MutinyEmitter<byte[]> deadLetters;

    DeliveryService(DeliveryConfig config, MeterRegistry registry) {
        this.config = config;
        this.writer = new MaildirWriter(config.fsync());
        this.root = Path.of(config.root());
        this.registry = registry;
        this.writeTimer = Timer.builder("mailpipe.delivery.write.latency").publishPercentileHistogram()
                .register(registry);
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
        byte[] head = ("Return-Path: <" + envelope.mailFrom() + ">\r\nDelivered-To: " + mailbox + "\r\n")
                .getBytes(StandardCharsets.UTF_8);
        Duration wait = config.retryInitialDelay();
        while (true) {
            long started = System.nanoTime();
            try {
                MaildirWriter.Result r = writer.deliver(maildir, envelope.id(), mailbox,
                        envelope.receivedAt().getEpochSecond(), head, record.value());
                writeTimer.record(Duration.ofNanos(System.nanoTime() - started));
                outcome(r.duplicate() ? "duplicate" : "delivered", record.value().length + head.length);
                LOG.infof("%s %s to <%s>: %s", r.duplicate() ? "already delivered" : "delivered", envelope.id(),
                        mailbox, r.file().getFileName());
                events.sendMessageAndForget(MailEvent.of(envelope.id(), STAGE,
                        r.duplicate() ? "duplicate" : "delivered", mailbox, r.file().getFileName().toString())
                        .toMessage());
                return;
            } catch (IOException e) {
                // Disk full, permissions, a vanished mount: the record stays unacknowledged and is
                // tried again; it is never dropped.
                registry.counter("mailpipe.delivery.failures", "reason", e.getClass().getSimpleName()).increment();
                LOG.warnf("cannot deliver %s to <%s> (%s); retrying in %s", envelope.id(), mailbox, e, wait);
                Thread.sleep(wait.toMillis());
                wait = wait.multipliedBy(2).compareTo(config.retryMaxDelay()) > 0 ? config.retryMaxDelay()
                        : wait.multipliedBy(2);
            }
        }
    }

    private void outcome(String what, long bytes) {
        registry.counter("mailpipe.delivery.messages", "outcome", what).increment();
        if (what.equals("delivered")) {
            registry.counter("mailpipe.delivery.bytes").increment(bytes);
        }
    }

    private void reject(ConsumerRecord<String, byte[]> record, String reason) {
        registry.counter("mailpipe.delivery.failures", "reason", "unusable-record").increment();
        LOG.errorf("dead-lettering record %s-%d@%d (key %s): %s", record.topic(), record.partition(),
                record.offset(), record.key(), reason);
        deadLetters.sendMessageAndAwait(DeadLetters.message(STAGE, record.topic(), record.key(), record.value(),
                record.headers(), reason));
    }

    private static byte[] header(ConsumerRecord<String, byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : h.value();
    }
}
