package dev.mailpipe.relay;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.KafkaClients;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.MalformedEnvelopeException;
import dev.mailpipe.model.Route;
import dev.mailpipe.model.Topics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Releases deferred mail from the retry tiers ({@code mail.relay.retry.<tier>}) when it is due.
 * Every record of a tier waits the same delay, so a partition's records fall due in order: when the
 * head is not due, the partition is paused until it is, and nothing behind it is read.
 *
 * <p>A due record whose route is still fresh goes back to {@code mail.relay}; one whose route has
 * outlived its DNS TTL (or has none: DNS failed at routing) goes back to {@code mail.inbound}, so
 * routing resolves it again. The tier offset is committed only after the forward is acknowledged.
 * A plain Kafka consumer, since this needs pause-until-time, which the messaging channels lack.
 */
@ApplicationScoped
public class RetryScheduler {
    private static final Logger LOG = Logger.getLogger(RetryScheduler.class);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    private final Map<TopicPartition, Instant> pausedUntil = new HashMap<>();
    private volatile boolean running = true;
    /** The current consumer; replaced after a failure, woken by stop() from another thread. */
    private volatile KafkaConsumer<String, byte[]> consumer;
    private KafkaProducer<String, byte[]> producer;
    private Thread thread;

    void start(@Observes StartupEvent event) {
        producer = new KafkaProducer<>(KafkaClients.producer(kafka), new StringSerializer(), new ByteArraySerializer());
        thread = new Thread(this::run, "relay-retry-scheduler");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            thread.join(10_000);
        }
    }

    /**
     * Runs until shutdown. A failure (the broker gone while a forward or a commit was under way) must
     * not stop the scheduler for good, or deferred mail would wait for a restart of the relay: the
     * consumer is opened again from the committed offsets, after a wait that doubles up to 30 s.
     * What was forwarded but not committed is forwarded again (at least once, never lost).
     */
    private void run() {
        long backoffMillis = 1000;
        try {
            while (running) {
                long started = System.nanoTime();
                try {
                    consumeUntilStopped();
                    return;
                } catch (WakeupException e) {
                    return;
                } catch (Exception e) {
                    if (!running) {
                        return;
                    }
                    if (System.nanoTime() - started > 60_000_000_000L) {
                        backoffMillis = 1000; // it ran well for a minute: a new outage starts afresh
                    }
                    LOG.warnf("retry scheduler: %s; reading the retry tiers again from the committed offsets in %d ms",
                            e, backoffMillis);
                    for (long slept = 0; slept < backoffMillis && running; slept += 100) {
                        Thread.sleep(100); // in slices, so that a shutdown does not wait for it
                    }
                    backoffMillis = Math.min(backoffMillis * 2, 30_000);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            producer.close(Duration.ofSeconds(5));
        }
    }

    private void consumeUntilStopped() throws Exception {
        Map<String, Object> c = KafkaClients.consumer(kafka);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "relay-service-retry");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100);
        consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        pausedUntil.clear();
        List<String> tiers = Topics.RETRY_TIERS.stream().map(t -> Topics.RETRY_PREFIX + t).toList();
        try {
            consumer.subscribe(tiers, new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    partitions.forEach(pausedUntil::remove);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                }
            });
            while (running) {
                resumeDue();
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(500));
                Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
                List<Future<RecordMetadata>> sends = new ArrayList<>();
                for (TopicPartition tp : records.partitions()) {
                    for (ConsumerRecord<String, byte[]> r : records.records(tp)) {
                        Instant due = dueAt(r);
                        if (due.isAfter(Instant.now())) {
                            consumer.seek(tp, r.offset());
                            consumer.pause(List.of(tp));
                            pausedUntil.put(tp, due);
                            break;
                        }
                        sends.add(producer.send(forward(r, Instant.now())));
                        done.put(tp, new OffsetAndMetadata(r.offset() + 1));
                    }
                }
                for (Future<RecordMetadata> f : sends) {
                    f.get(60, TimeUnit.SECONDS);
                }
                if (!done.isEmpty()) {
                    consumer.commitSync(done);
                }
            }
        } finally {
            consumer.close();
        }
    }

    private void resumeDue() {
        Instant now = Instant.now();
        List<TopicPartition> due = new ArrayList<>();
        pausedUntil.forEach((tp, at) -> {
            if (!at.isAfter(now)) {
                due.add(tp);
            }
        });
        due.forEach(pausedUntil::remove);
        if (!due.isEmpty()) {
            consumer.resume(due);
        }
    }

    /** When a record may go again; an unreadable envelope is due now (the relay dead-letters it). */
    static Instant dueAt(ConsumerRecord<String, byte[]> r) {
        try {
            return MailRecords.envelope(r).notBefore().orElse(Instant.EPOCH);
        } catch (MalformedEnvelopeException e) {
            return Instant.EPOCH;
        }
    }

    /**
     * Where a due record goes: back to the relay while its route is within its DNS lifetime, else
     * (or without a route: routing's and delivery's deferrals) to routing, keyed as that topic wants.
     */
    static ProducerRecord<String, byte[]> forward(ConsumerRecord<String, byte[]> r, Instant now) {
        String topic = Topics.RELAY;
        String key = r.key();
        try {
            Envelope e = MailRecords.envelope(r);
            Route route = e.route().orElse(null);
            if (route == null || route.expiresAt() != null && route.expiresAt().isBefore(now)) {
                topic = Topics.INBOUND;
                key = e.id();
            }
        } catch (MalformedEnvelopeException ignored) {
            // Forwarded as it is: the relay's consumer dead-letters it with the reason.
        }
        LOG.debugf("retry due: %s -> %s", key, topic);
        return new ProducerRecord<>(topic, null, key, r.value(), r.headers());
    }

}
