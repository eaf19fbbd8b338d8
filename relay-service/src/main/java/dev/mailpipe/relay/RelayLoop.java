package dev.mailpipe.relay;

import dev.mailpipe.model.Topics;
import dev.mailpipe.relay.progress.DeliveriesInHand;
import dev.mailpipe.relay.progress.RelayProgress;
import dev.mailpipe.runtime.Failures;
import dev.mailpipe.runtime.KafkaClients;
import dev.mailpipe.runtime.StageLoop;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * relay-service's loop, on one thread: poll {@code mail.relay}, start each record's delivery
 * ({@link RelayService}) as soon as there is room in hand ({@link DeliveriesInHand}), and commit
 * every {@code commit-interval} how far each partition got ({@link RelayProgress}): the oldest
 * record still under way, with what finished above it. Deliveries run many at once on the
 * connections' event loops and end in any order; a slow MX holds up only its own records.
 *
 * <p>In a rebalance, a revoked partition's deliveries under way may finish (up to
 * {@code hand-over-grace}) before it goes, and its next owner skips what is done. While the hand
 * is full the loop keeps polling, with its partitions paused, so the group does not drop it.
 */
@ApplicationScoped
class RelayLoop extends StageLoop {
    private static final Logger LOG = Logger.getLogger(RelayLoop.class);
    /** How soon the loop looks again for room in hand while records wait for it. */
    private static final Duration ROOM_CHECK = Duration.ofMillis(10);
    /** How long the loop waits for the holds and the suppressions to load before it fails and tries again. */
    private static final Duration VIEWS_LOAD = Duration.ofSeconds(60);

    private final RelayService relay;
    private final RelayProgress progress;
    private final RelayConfig config;
    private final DeliveriesInHand inHand;
    /** Polled and not started: the hand was full. Only this loop's thread touches it. */
    private final Deque<ConsumerRecord<String, byte[]>> waiting = new ArrayDeque<>();
    private Map<TopicPartition, OffsetAndMetadata> lastCommitted = Map.of();
    /** Set when a delivery's outcome and its dead letter could not be written: the loop reopens. */
    private volatile KafkaException outcomesLost;
    /**
     * One producer for the replica's life, not per opening of the consumer: deliveries still under
     * way when the consumer fails write their outcomes through it after the consumer is gone.
     */
    private volatile KafkaProducer<String, byte[]> producer;
    private RelayOutput output;

    RelayLoop(RelayService relay, RelayProgress progress, RelayConfig config, MeterRegistry registry) {
        this.relay = relay;
        this.progress = progress;
        this.config = config;
        this.inHand = new DeliveriesInHand(config.maxDeliveriesInHand(), config.maxBytesInHand().asLongValue());
        registry.gauge("mailpipe.relay.in.hand", inHand, DeliveriesInHand::records);
    }

    void start(@Observes StartupEvent event) {
        start("relay");
    }

    /**
     * A stop (SIGTERM, a pod deleted) takes nothing new and waits, up to {@code hand-over-grace},
     * for the deliveries in hand to finish and their outcomes to be recorded; the loop then commits
     * and leaves the group, so the next owner sends only what did not finish.
     */
    void stop(@Observes @Priority(0) ShutdownEvent event) throws InterruptedException {
        progress.stopping();
        RelayProgress.awaitNone(inHand::records, config.handOverGrace());
        if (inHand.records() > 0) {
            LOG.warnf("stopping with %d deliveries still under way after %s: the next owner sends them again",
                    inHand.records(), config.handOverGrace());
        } else {
            LOG.infof("stopping: every delivery under way finished");
        }
        stop();
    }

    /**
     * Waits, before the loop takes any record, for the relay to know the operator's holds and the
     * suppressions (as routing waits for the mailbox registry); in slices, so that a stop does not
     * wait for it. Not loaded within {@link #VIEWS_LOAD}, the loop fails, pauses and tries again.
     * False when the service stops meanwhile.
     */
    private boolean viewsLoaded() {
        try {
            for (long waited = 0; running(); waited++) {
                if (relay.viewsLoaded(Duration.ofSeconds(1))) {
                    return true;
                }
                if (waited >= VIEWS_LOAD.toSeconds()) {
                    throw new IllegalStateException(Topics.DESTINATIONS + " or " + Topics.SUPPRESSED + " not read to its end within "
                            + VIEWS_LOAD.toSeconds() + " s");
                }
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    protected void failed(RuntimeException failure, Duration pause) {
        LOG.warnf("relay stopped reading (%s); reading again from the committed offsets in %ds",
                Failures.summary(failure), pause.toSeconds());
    }

    @Override
    protected void ended() {
        KafkaProducer<String, byte[]> p = producer;
        if (p != null) {
            p.close(Duration.ofSeconds(5));
        }
    }

    @Override
    protected void consumeUntilStopped() {
        if (!viewsLoaded()) {
            return;
        }
        Map<String, Object> c = KafkaClients.consumer(kafka);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, config.group());
        openProducer();
        waiting.clear();
        lastCommitted = Map.of();
        outcomesLost = null;
        try (KafkaConsumer<String, byte[]> in = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
            in.subscribe(List.of(Topics.RELAY), new HandOver(in));
            consuming(in);
            long lastCommit = System.nanoTime();
            try {
                while (running()) {
                    KafkaException lost = outcomesLost;
                    if (lost != null) {
                        throw lost;
                    }
                    ConsumerRecords<String, byte[]> polled = poll(in, waiting.isEmpty() ? config.commitInterval() : ROOM_CHECK);
                    for (ConsumerRecord<String, byte[]> r : polled) {
                        progress.received(r);
                        waiting.add(r);
                    }
                    polled.nextOffsets().forEach((tp, next) -> progress.polledUpTo(tp, next.offset()));
                    startWhatFits();
                    if (waiting.isEmpty()) {
                        in.resume(in.paused());
                    } else {
                        in.pause(in.assignment());
                    }
                    if (System.nanoTime() - lastCommit >= config.commitInterval().toNanos()) {
                        commitAsync(in);
                        lastCommit = System.nanoTime();
                    }
                }
                leaveWaiting();
                commitSync(in);
            } catch (WakeupException e) {
                leaveWaiting();
                commitSync(in); // shutdown: what finished is not sent again
                throw e;
            }
        }
    }

    private void openProducer() {
        if (producer != null) {
            return;
        }
        Map<String, Object> p = KafkaClients.producer(kafka);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "relay-outcomes");
        // Deliveries end one by one, each with its events: sent at once, nearly every one was a
        // request of its own. Lingering lets those of many deliveries share a request; an offset
        // waits for its records' acknowledgement, so its commit comes up to that much later.
        p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
        producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        output = new RelayOutput(producer);
    }

    /** Starts the waiting records in order while they fit in hand. */
    private void startWhatFits() {
        while (!waiting.isEmpty()) {
            ConsumerRecord<String, byte[]> record = waiting.peekFirst();
            if (progress.isStopping()) {
                // Not started, not committed: the partition's next owner sends it.
                waiting.removeFirst();
                progress.leave(record);
                continue;
            }
            switch (progress.decide(record)) {
                case NOT_OWNED -> {
                    waiting.removeFirst();
                    LOG.infof("%s-%d offset %d moved to another replica before it was sent; left to it",
                            record.topic(), record.partition(), record.offset());
                    continue;
                }
                case DONE_BEFORE -> {
                    waiting.removeFirst();
                    progress.finished(record);
                    LOG.infof("%s-%d offset %d was relayed before the partition came here; not sent again",
                            record.topic(), record.partition(), record.offset());
                    continue;
                }
                case DELIVER -> {
                    // below
                }
            }
            long size = record.value() == null ? 0 : record.value().length;
            if (!inHand.tryTake(size)) {
                return;
            }
            waiting.removeFirst();
            start(record, size);
        }
    }

    private void start(ConsumerRecord<String, byte[]> record, long size) {
        CompletionStage<Void> outcome;
        try {
            outcome = relay.relay(record, output);
        } catch (RuntimeException e) {
            outcome = CompletableFuture.failedFuture(e);
        }
        outcome.whenComplete((done, failure) -> {
            if (failure == null) {
                finish(record, size);
                return;
            }
            Throwable why = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            LOG.errorf(why, "%s-%d offset %d could not be relayed; to the dead-letter topic", record.topic(),
                    record.partition(), record.offset());
            output.durable(relay.deadLetter(record, "unexpected: " + why)).whenComplete((dl, lost) -> {
                if (lost == null) {
                    finish(record, size);
                } else {
                    // Neither outcome nor dead letter is durable: the offset stays below the record,
                    // and the loop reads on from the committed offsets.
                    progress.leave(record);
                    inHand.release(size);
                    outcomesLost = new KafkaException("the outcome of " + record.topic() + "-" + record.partition()
                            + " offset " + record.offset() + " could not be written", lost);
                }
            });
        });
    }

    private void finish(ConsumerRecord<String, byte[]> record, long size) {
        progress.finished(record);
        inHand.release(size);
    }

    private void leaveWaiting() {
        waiting.forEach(progress::leave);
        waiting.clear();
    }

    private void commitAsync(KafkaConsumer<String, byte[]> in) {
        Map<TopicPartition, OffsetAndMetadata> points = progress.commitPoints();
        if (points.isEmpty() || points.equals(lastCommitted)) {
            return;
        }
        in.commitAsync(points, (offsets, failure) -> {
            if (failure == null) {
                lastCommitted = points;
            } else {
                LOG.debugf("periodic commit failed, the next one retries: %s", failure.toString());
            }
        });
    }

    private void commitSync(KafkaConsumer<String, byte[]> in) {
        Map<TopicPartition, OffsetAndMetadata> points = progress.commitPoints();
        if (!points.isEmpty()) {
            in.commitSync(points);
        }
    }

    /** The rebalance callbacks, on the loop's thread inside poll (and close). */
    private final class HandOver implements ConsumerRebalanceListener {
        private final KafkaConsumer<String, byte[]> in;

        HandOver(KafkaConsumer<String, byte[]> in) {
            this.in = in;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            Map<TopicPartition, OffsetAndMetadata> committed = in.committed(new HashSet<>(partitions));
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata c = committed.get(tp);
                progress.assigned(tp, c, c == null ? in.position(tp) : c.offset());
            }
        }

        /** The next owner starts once this returns: what finished here is committed first. */
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            waiting.removeIf(r -> {
                boolean revoked = partitions.contains(new TopicPartition(r.topic(), r.partition()));
                if (revoked) {
                    progress.leave(r);
                }
                return revoked;
            });
            Map<TopicPartition, OffsetAndMetadata> points = progress.handOver(partitions, config.handOverGrace());
            if (points.isEmpty()) {
                return;
            }
            try {
                in.commitSync(points);
            } catch (KafkaException e) {
                // The group moved on without us (fenced, session expired): the next owner starts from
                // the last periodic commit and may send again what finished since.
                LOG.warnf("could not commit the handed-over partitions %s: %s", partitions, e.toString());
            }
        }
    }
}
