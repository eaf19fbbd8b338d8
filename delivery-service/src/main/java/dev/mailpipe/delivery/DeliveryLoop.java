package dev.mailpipe.delivery;

import dev.mailpipe.model.Topics;
import dev.mailpipe.runtime.Failures;
import dev.mailpipe.runtime.KafkaClients;
import dev.mailpipe.runtime.StageLoop;
import dev.mailpipe.runtime.commit.IntervalCommits;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * delivery-service's one loop, on one thread: poll {@code mail.delivery}, deliver the batch
 * ({@link DeliveryService}), and only then count its offsets as done ({@link IntervalCommits}: every
 * {@code commit-interval}, when partitions are taken away, and at shutdown). At least once,
 * made idempotent by the file names: a batch read again after a crash finds its files.
 *
 * <p>Plain Kafka clients rather than a messaging channel: the batch stays on this thread from the
 * poll to the commit, and only the writers' pool works beside it.
 */
@ApplicationScoped
class DeliveryLoop extends StageLoop {
    private static final Logger LOG = Logger.getLogger(DeliveryLoop.class);

    private final DeliveryService delivery;
    private final DeliveryConfig config;

    DeliveryLoop(DeliveryService delivery, DeliveryConfig config) {
        this.delivery = delivery;
        this.config = config;
    }

    void start(@Observes StartupEvent event, io.micrometer.core.instrument.MeterRegistry metrics) {
        // The dashboard's series exist from the start, at zero (DeliveryService#acceptToDelivered).
        DeliveryService.writeTimer(metrics);
        DeliveryService.acceptToDelivered(metrics);
        for (String outcome : new String[] {"delivered", "deferred", "bounced"}) {
            metrics.counter("mailpipe.delivery.messages", "outcome", outcome);
        }
        start("delivery");
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        stop();
    }

    @Override
    protected void failed(RuntimeException failure, Duration pause) {
        LOG.warnf("delivery stopped reading (%s); reading again from the committed offsets in %ds",
                Failures.summary(failure), pause.toSeconds());
    }

    @Override
    protected void consumeUntilStopped() {
        Map<String, Object> c = KafkaClients.consumer(kafka);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, config.group());
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.batchSize());
        Map<String, Object> p = KafkaClients.producer(kafka);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "delivery-outcomes");
        // Nobody waits for an event: a batch's events share a few requests. What must be durable
        // is flushed and waited for (DeliveryOutput.awaitDurable).
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
        try (KafkaConsumer<String, byte[]> in = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
                KafkaProducer<String, byte[]> out = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            IntervalCommits commits = new IntervalCommits(in, config.commitInterval());
            in.subscribe(List.of(Topics.DELIVERY), commits.onRebalance());
            consuming(in);
            DeliveryOutput output = new DeliveryOutput(out);
            try {
                while (running()) {
                    ConsumerRecords<String, byte[]> records = poll(in, Duration.ofSeconds(1));
                    if (!records.isEmpty()) {
                        delivery.deliver(records, output);
                    }
                    commits.done(records); // an empty poll too: it may have moved past a transaction marker
                    commits.commitIfDue();
                }
                commits.commitNow();
            } catch (WakeupException e) {
                commits.commitNow(); // shutdown: what was delivered is not read again
                throw e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
