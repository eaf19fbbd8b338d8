package dev.mailpipe.ingress;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.MailEvent;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.MessageHeaders;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.RecordHeaders;
import dev.mailpipe.model.Topics;
import dev.mailpipe.runtime.KafkaClients;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Hands an accepted message to {@code mail.inbound}: value the raw message, key the message id,
 * envelope in its header. The callback fires when the broker has acknowledged the record with
 * {@code acks=all} (the moment the ingress may say 250), or with the reason it was not.
 *
 * <p>A plain {@link KafkaProducer}, called straight from the session's event loop. The messaging
 * emitter cost a third of the event loops' time per message (context propagation, a reactive
 * stream, a hop to its own sending thread), and end-of-data is the hot path. Sending from the event
 * loop is safe because it never blocks there: {@code max.block.ms} is 0, so a missing topic or a
 * full buffer fails the send at once (the client hears 451), and the topic's metadata is fetched
 * before the listeners open and kept however long the ingress sits idle.
 */
@Singleton
public class InboundPublisher {
    private static final Logger LOG = Logger.getLogger(InboundPublisher.class);
    private static final Duration METADATA_WAIT = Duration.ofSeconds(60);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    @Inject
    IngressConfig config;

    @Inject
    RspamdConfig rspamd;

    private volatile KafkaProducer<String, byte[]> producer;
    /**
     * The received events' own producer. Nobody waits for an event, so it lingers and sends many
     * in one compressed batch; beside the mail's producer, each event was a batch of its own in the
     * mail's request, and the ingress spent a third more per message (docs/performance.md).
     */
    private volatile KafkaProducer<String, byte[]> events;
    /** The last send's failure and when it came: what readiness reports. Null while all is well. */
    private volatile Failure lastFailure;

    private record Failure(Throwable cause, long atNanos) {
    }

    /** Creates the producer and waits (boundedly) until it knows {@code mail.inbound}'s partitions. */
    void awaitReady() throws InterruptedException {
        Map<String, Object> c = inboundSettings(kafka, config.publishTimeout(), config.publishLinger(),
                MessageMemory.of(config).budget());
        producer = new KafkaProducer<>(c, new StringSerializer(), new ByteArraySerializer());
        Map<String, Object> ev = KafkaClients.producer(kafka);
        ev.put(ProducerConfig.CLIENT_ID_CONFIG, "smtp-ingress-events");
        ev.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 0);
        ev.put(ProducerConfig.LINGER_MS_CONFIG, 50);
        ev.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
        ev.put(ProducerConfig.METADATA_MAX_IDLE_CONFIG, TimeUnit.DAYS.toMillis(365));
        events = new KafkaProducer<>(ev, new StringSerializer(), new ByteArraySerializer());
        long deadline = System.nanoTime() + METADATA_WAIT.toNanos();
        while (true) {
            try {
                producer.partitionsFor(Topics.INBOUND);
                if (rspamd.mode() == RspamdConfig.Mode.AFTER_QUEUE) {
                    producer.partitionsFor(Topics.SCAN);
                }
                events.partitionsFor(Topics.EVENTS);
                return;
            } catch (TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    LOG.warnf("no metadata for %s after %s; messages get 451 until the broker answers", Topics.INBOUND,
                            METADATA_WAIT);
                    return;
                }
                Thread.sleep(100);
            }
        }
    }

    /**
     * The mail producer's settings: acknowledged within {@code publishTimeout} or failed, each
     * message held back at most {@code publishLinger} to share a request, room for {@code messageMemory}.
     */
    static Map<String, Object> inboundSettings(Map<String, Object> kafka, Duration publishTimeout, Duration publishLinger,
            long messageMemory) {
        long timeout = publishTimeout.toMillis();
        long linger = publishLinger.toMillis();
        if (linger < 0 || linger >= timeout) {
            throw new IllegalArgumentException("mailpipe.ingress.publish-linger (" + publishLinger
                    + ") must be at least 0 and shorter than mailpipe.ingress.publish-timeout (" + publishTimeout + ")");
        }
        Map<String, Object> c = KafkaClients.producer(kafka);
        c.put(ProducerConfig.CLIENT_ID_CONFIG, "smtp-ingress-inbound");
        c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 0);
        // The producer's delivery timeout is the publish timeout: it answers every send within it
        // (KIP-91), so a session needs no timer of its own. A request that times out may still have
        // reached the log: the client, told 451, sends again, and the message may arrive twice,
        // never zero times. Kafka wants the delivery timeout to cover the linger and a request.
        c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout);
        c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) (timeout - linger));
        // A short linger, though a client waits on every send: with linger 0 a message that found
        // the producer idle left alone, and requests carried 3 messages on average under load; at
        // 2 ms the messages of concurrent sessions share a request, and the broker's per-request
        // work (the largest part of its CPU) falls with their number.
        c.put(ProducerConfig.LINGER_MS_CONFIG, (int) linger);
        // One request in flight at a time: while it is out, the next messages gather into one batch
        // instead of leaving as requests of their own. Each batch then carried some 3.3 messages
        // instead of 2.5, and the broker spent about 15% less per message at the same rate and a
        // lower p99 (bench/ingress). Idempotence keeps order either way.
        c.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        // Topic metadata left unused would be dropped after 5 minutes, and with max.block.ms at 0
        // the first message after a quiet spell would fail for want of it.
        c.put(ProducerConfig.METADATA_MAX_IDLE_CONFIG, TimeUnit.DAYS.toMillis(365));
        // The key stays the message id, but it does not pick the partition: a message id is unique,
        // so hashing it only scatters each request's few records over every partition, one small
        // compressed batch each. The sticky partitioner fills one partition's batch at a time and
        // moves on, which spreads load just as evenly and halves the broker's work per message.
        c.put(ProducerConfig.PARTITIONER_IGNORE_KEYS_CONFIG, true);
        // A request's messages in one batch: at the default 16 KiB the sticky partitioner moved on
        // every five or so 2 KiB messages, and each batch starts its own LZ4 stream (two 64 KiB
        // buffers) on the event loop and is one more batch for the broker to validate.
        c.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
        // The producer holds the messages the sessions hold until the broker has them: its buffer
        // fits the whole message memory and one record more, since with max.block.ms at 0 a full
        // buffer fails a send at once, and concurrent large messages must not hear a spurious 451.
        c.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Math.max(32L * 1024 * 1024, messageMemory + Topics.MAX_RECORD_BYTES));
        return c;
    }

    /**
     * Sends one message to {@code topic} ({@code mail.inbound}, or {@code mail.scan} for a scan
     * after the queue); {@code acknowledged} gets null once the broker has it, or the failure. It
     * runs on the producer's I/O thread, or at once on the caller's when the send cannot even start.
     * The message's {@code received} event goes through the events' own producer; the 250 does not
     * wait for it, and a lost event never holds mail back.
     */
    public void publish(String topic, Envelope envelope, byte[] message, Consumer<Throwable> acknowledged) {
        try {
            producer.send(MailRecords.record(topic, envelope.id(), envelope, message), (metadata, failure) -> {
                outcome(failure);
                acknowledged.accept(failure);
            });
        } catch (RuntimeException e) {
            outcome(e);
            acknowledged.accept(e);
            return;
        }
        try {
            events.send(received(envelope, message));
        } catch (RuntimeException e) {
            LOG.debugf("no received event for %s: %s", envelope.id(), e);
        }
    }

    /**
     * The first line of a message's history: who sent it from where, over TLS or not, as whom, to
     * whom. Keyed by the message id, as every stage's events, so one message's history stays on one
     * partition.
     */
    private ProducerRecord<String, byte[]> received(Envelope envelope, byte[] message) {
        Envelope.Client c = envelope.client();
        String messageId = MessageHeaders.value(message, "Message-ID");
        MailEvent e = MailEvent.of(envelope.id(), "smtp-ingress", "received", null, "from " + c.ip())
                .with("client", c.ip()).with("helo", c.helo()).with("tls", c.tls()).with("auth", c.auth())
                .with("sender", envelope.mailFrom())
                .with("recipients", envelope.recipients().stream().map(Recipient::address).toList())
                .with("size", envelope.size()).with("messageId", messageId)
                .with("senderAuth", envelope.senderAuthentication().orElse(null))
                .with("contentScan", envelope.contentScan().orElse(null));
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.EVENTS, envelope.id(), e.toJson());
        if (messageId != null) {
            record.headers().add(RecordHeaders.MESSAGE_ID, messageId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return record;
    }


    private void outcome(Throwable failure) {
        if (failure != null) {
            lastFailure = new Failure(failure, System.nanoTime());
        } else if (lastFailure != null) { // a read, not a fenced write, for each acknowledged message
            lastFailure = null;
        }
    }

    /**
     * Why the last send failed, if it did within {@code recent}; else null. Old failures are
     * forgotten so that a replica taken out of a load balancer's rotation gets traffic again and
     * can find out whether Kafka is back.
     */
    Throwable recentFailure(Duration recent) {
        if (producer == null) {
            return new IllegalStateException("producer not started");
        }
        Failure failure = lastFailure;
        return failure != null && System.nanoTime() - failure.atNanos() < recent.toNanos() ? failure.cause() : null;
    }

    void stop(@Observes ShutdownEvent event) {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        if (events != null) {
            events.close(Duration.ofSeconds(5));
        }
    }
}
