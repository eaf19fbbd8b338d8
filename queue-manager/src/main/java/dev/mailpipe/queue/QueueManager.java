package dev.mailpipe.queue;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.MailEvent;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.MalformedEnvelopeException;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.Topics;
import dev.mailpipe.runtime.KafkaClients;
import dev.mailpipe.runtime.QueueListing.Waiting;
import dev.mailpipe.runtime.RetryScheduleConfig;
import dev.mailpipe.runtime.StageLoop;
import dev.mailpipe.runtime.StageOutcomes;
import dev.mailpipe.runtime.TransactionalOutput;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * queue-manager: the owner of deferred mail, as Postfix's qmgr owns the deferred queue. Reads the
 * retry tiers ({@code mail.retry.<n>}), which routing, relay and delivery write when an attempt
 * fails; writes due mail back to {@code mail.relay} (route still fresh) or {@code mail.inbound}
 * (routing decides again), bounces to {@code mail.notices}, and events to {@code mail.events}. Talks
 * to Kafka only; its HTTP API ({@link QueueResource}) runs the operator's queue commands.
 *
 * <p>Every record of a tier waits the same delay, so a partition's records fall due in order: when
 * the head is not due, the partition is paused until it is, and nothing behind it is read. Each
 * release is one Kafka transaction: the forwarded records and the tier's offsets together, so a
 * crash neither loses a deferred message nor sends it twice.
 *
 * <p>The commands ({@link QueueCommand}) run on the same thread between polls. A flush or a drop
 * reads a partition from its head to its end, and in one transaction forwards (flush) or bounces
 * (drop) what it selects, appends the rest again to the same partition (each keeps its due time)
 * and moves the offset past the records it read. Nothing is read twice or lost; the records written
 * again may wait behind younger ones for up to their tier's delay.
 *
 * <p>Trusts: the envelopes the stages deferred (the contract); its API's callers only as the
 * administrator.
 */
@ApplicationScoped
public class QueueManager extends StageLoop {
    static final String STAGE = "queue-manager";
    private static final Logger LOG = Logger.getLogger(QueueManager.class);

    private final QueueConfig config;
    private final RetryScheduleConfig retry;
    private final StageOutcomes outcomes;
    private final MeterRegistry metrics;

    private record Pending(QueueCommand command, CompletableFuture<List<Waiting>> result) {
    }

    private final BlockingQueue<Pending> commands = new LinkedBlockingQueue<>();
    private final Map<TopicPartition, Instant> pausedUntil = new HashMap<>();
    /** The tiers' consumer; replaced after a failure. */
    private KafkaConsumer<String, byte[]> consumer;
    private KafkaProducer<String, byte[]> producer;
    /** Reads one partition's queue for a command, without moving the group's offsets. */
    private KafkaConsumer<String, byte[]> reader;

    QueueManager(QueueConfig config, RetryScheduleConfig retry, MeterRegistry metrics) {
        this.config = config;
        this.retry = retry;
        this.outcomes = new StageOutcomes(STAGE, config.hostname(), retry);
        this.metrics = metrics;
    }

    void start(@Observes StartupEvent event) {
        start("queue-manager");
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        stop();
    }

    /**
     * Runs a command on the queue manager's thread; completes with the records it listed, flushed
     * or dropped, or fails after {@code mailpipe.queue.command-timeout}.
     */
    CompletableFuture<List<Waiting>> submit(QueueCommand command) {
        Pending p = new Pending(command, new CompletableFuture<>());
        commands.add(p);
        return p.result().orTimeout(config.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * A failure (the broker gone during a transaction, a rebalance that fenced it) must not stop
     * the queue for good: {@link StageLoop} opens the clients again from the committed offsets,
     * after a wait that doubles up to 30 s. An aborted transaction forwarded nothing.
     */
    @Override
    protected void failed(RuntimeException failure, Duration pause) {
        LOG.warnf("queue manager: %s; reading the retry tiers again from the committed offsets in %d ms", failure,
                pause.toMillis());
    }

    @Override
    protected void ended() {
        commands.forEach(p -> p.result().completeExceptionally(new IllegalStateException("the queue manager stopped")));
    }

    @Override
    protected void consumeUntilStopped() {
        Map<String, Object> c = KafkaClients.consumer(kafka);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, config.group());
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100);
        Map<String, Object> p = KafkaClients.producer(kafka);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
        pausedUntil.clear();
        consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        consuming(consumer);
        try (KafkaProducer<String, byte[]> tx = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
                KafkaConsumer<String, byte[]> r = new KafkaConsumer<>(KafkaClients.consumer(kafka), new StringDeserializer(),
                        new ByteArrayDeserializer())) {
            producer = tx;
            reader = r;
            producer.initTransactions();
            List<String> tiers = Topics.RETRY_TIERS.stream().map(t -> Topics.RETRY_PREFIX + t).toList();
            consumer.subscribe(tiers, new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    partitions.forEach(pausedUntil::remove);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    commitStartWhereNoneIs(partitions);
                }
            });
            while (running()) {
                runCommands();
                resumeDue();
                // Short, so that a command waits for at most one poll.
                releaseDue(poll(consumer, Duration.ofMillis(200)));
            }
        } finally {
            consumer.close();
        }
    }

    /**
     * A tier partition this group never committed on gets its start committed: a tier whose first
     * record is not yet due commits nothing for a while, and without a commit its waiting mail has
     * no lag at all for the lag collector, kafka_exporter (-1) and the retry-tier panel.
     */
    private void commitStartWhereNoneIs(Collection<TopicPartition> partitions) {
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new java.util.HashSet<>(partitions));
            Map<TopicPartition, OffsetAndMetadata> start = new HashMap<>();
            for (TopicPartition tp : partitions) {
                if (committed.get(tp) == null) {
                    start.put(tp, new OffsetAndMetadata(consumer.position(tp)));
                }
            }
            if (!start.isEmpty()) {
                consumer.commitSync(start);
            }
        } catch (RuntimeException e) {
            // Only the figures wait for the first release's commit; nothing is lost or sent.
            LOG.debugf("no start committed for %s: %s", partitions, e.toString());
        }
    }

    /** Releases each partition's due records up to the first that is not due, which pauses it. */
    private void releaseDue(ConsumerRecords<String, byte[]> records) {
        Instant now = Instant.now();
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
        Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            boolean paused = false;
            for (ConsumerRecord<String, byte[]> r : records.records(tp)) {
                Instant due = DueRecords.dueAt(r);
                if (due.isAfter(now)) {
                    consumer.seek(tp, r.offset());
                    consumer.pause(List.of(tp));
                    pausedUntil.put(tp, due);
                    paused = true;
                    break;
                }
                out.addAll(release(r, now));
                done.put(tp, new OffsetAndMetadata(r.offset() + 1));
            }
            if (!paused && records.nextOffsets().containsKey(tp)) {
                // Every record polled went on: commit the position past the transaction markers
                // after them, so that a caught-up tier has no lag as Kafka counts it.
                done.put(tp, records.nextOffsets().get(tp));
            }
        }
        if (!done.isEmpty()) {
            inTransaction(out, done);
        }
    }

    /**
     * A due record goes on to its stage; one that outlived the queue lifetime (RFC 5321 4.5.4.1)
     * bounces instead, with the reason of its last deferral: 4.4.7 (delivery time expired), the
     * same status as the relay's when its last attempt outlives the queue, Postfix's practice of
     * reporting the last temporary status with {@code Action: failed}.
     */
    private List<ProducerRecord<String, byte[]>> release(ConsumerRecord<String, byte[]> r, Instant now) {
        Envelope e = envelopeOf(r);
        if (e != null && retry.expired(e.receivedAt(), now)) {
            metrics.counter("mailpipe.queue.released", "outcome", "expired").increment();
            String why = e.text(Envelope.LAST_DEFERRAL).orElse("deferred") + " (gave up after "
                    + retry.maxLifetime() + " in the queue)";
            return outcomes.bounceAll(e, r.value(), "4.4.7", why, now);
        }
        metrics.counter("mailpipe.queue.released", "outcome", "due").increment();
        ProducerRecord<String, byte[]> next = DueRecords.forward(r, now);
        LOG.infof("due: %s for %s -> %s", e == null ? "unreadable record" : e.id(), r.key(), next.topic());
        return List.of(next);
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

    private void runCommands() {
        if (consumer.assignment().isEmpty()) {
            return; // not yet in the group (starting, rebalancing): the commands wait for their partitions
        }
        for (Pending p; (p = commands.poll()) != null; ) {
            try {
                p.result().complete(execute(p.command()));
            } catch (RuntimeException e) {
                p.result().completeExceptionally(e);
                throw e; // the clients start again from the committed offsets
            }
        }
    }

    /**
     * A command over every tier partition this manager owns: the records from its head to its
     * end, as they are now. List changes nothing; flush and drop rewrite a partition only where
     * they select something.
     */
    private List<Waiting> execute(QueueCommand command) {
        List<Waiting> selected = new ArrayList<>();
        Instant now = Instant.now();
        List<TopicPartition> owned = consumer.assignment().stream()
                .sorted(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition)).toList();
        for (TopicPartition tp : owned) {
            long from = consumer.position(tp);
            long end = reader.endOffsets(List.of(tp)).get(tp);
            if (from >= end) {
                continue;
            }
            String tier = tp.topic().substring(Topics.RETRY_PREFIX.length());
            if (command instanceof QueueCommand.List) {
                // Record by record: only each envelope and size is kept, never the messages, so a
                // listing of a deep queue holds one poll's records at most.
                visit(tp, from, end, r -> waiting(r, tier, selected));
                continue;
            }
            List<ConsumerRecord<String, byte[]>> queued = read(tp, from, end);
            List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
            int before = selected.size();
            for (ConsumerRecord<String, byte[]> r : queued) {
                Envelope e = envelopeOf(r);
                if (e == null || !command.selects(r.key(), e)) {
                    out.add(DueRecords.requeue(r));
                    continue;
                }
                waiting(r, tier, selected);
                out.addAll(command instanceof QueueCommand.Drop ? dropped(r, e, now) : flushed(r, e, now));
            }
            if (selected.size() == before) {
                continue; // nothing here for this command: the partition stays as it is
            }
            inTransaction(out, Map.of(tp, new OffsetAndMetadata(end)));
            consumer.seek(tp, end);
            if (pausedUntil.remove(tp) != null) {
                consumer.resume(List.of(tp));
            }
        }
        return selected;
    }

    private List<ProducerRecord<String, byte[]>> flushed(ConsumerRecord<String, byte[]> r, Envelope e, Instant now) {
        metrics.counter("mailpipe.queue.released", "outcome", "flushed").increment();
        LOG.infof("flushed: %s for %s", e.id(), r.key());
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>(events(e, "flushed", "made due by the operator"));
        out.add(DueRecords.forward(r, now));
        return out;
    }

    /** Removed by the operator, as postsuper -d does; the sender learns it from a bounce (none for {@code <>}). */
    private List<ProducerRecord<String, byte[]>> dropped(ConsumerRecord<String, byte[]> r, Envelope e, Instant now) {
        metrics.counter("mailpipe.queue.released", "outcome", "dropped").increment();
        LOG.infof("dropped: %s for %s, bounced to <%s>", e.id(), r.key(), e.mailFrom());
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>(events(e, "dropped", "removed from the queue by the operator"));
        out.addAll(outcomes.bounceAll(e, r.value(), "5.0.0",
                "x-mailpipe; removed from the queue by the postmaster; last attempt: "
                        + e.text(Envelope.LAST_DEFERRAL).orElse("deferred"), now));
        return out;
    }

    private static List<ProducerRecord<String, byte[]>> events(Envelope e, String type, String detail) {
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
        for (Recipient rcpt : e.recipients()) {
            out.add(MailEvent.of(e.id(), STAGE, type, rcpt.address(), detail).toRecord());
        }
        return out;
    }

    /** One partition's records in [from, end), read by the reader (read_committed: what the stages committed). */
    private List<ConsumerRecord<String, byte[]>> read(TopicPartition tp, long from, long end) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        visit(tp, from, end, out::add);
        return out;
    }

    /** Hands each record of [from, end) to {@code each} as it is polled, keeping none. */
    private void visit(TopicPartition tp, long from, long end, java.util.function.Consumer<ConsumerRecord<String, byte[]>> each) {
        reader.assign(List.of(tp));
        reader.seek(tp, from);
        long deadline = System.nanoTime() + config.commandTimeout().toNanos() / 2;
        while (reader.position(tp) < end) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("could not read " + tp + " up to offset " + end + " in time");
            }
            for (ConsumerRecord<String, byte[]> r : reader.poll(Duration.ofMillis(200))) {
                if (r.offset() < end) {
                    each.accept(r);
                }
            }
        }
    }

    private static void waiting(ConsumerRecord<String, byte[]> r, String tier, List<Waiting> into) {
        Envelope e = envelopeOf(r);
        if (e != null) {
            into.add(new Waiting(r.key() == null ? "?" : r.key(), tier, e, r.value() == null ? 0 : r.value().length));
        }
    }

    /** What was sent and the offsets it consumed, in one transaction; aborted (and thrown) on any failure. */
    private void inTransaction(List<ProducerRecord<String, byte[]>> records, Map<TopicPartition, OffsetAndMetadata> offsets) {
        new TransactionalOutput(producer, consumer).commit(records, offsets);
    }

    private static Envelope envelopeOf(ConsumerRecord<String, byte[]> r) {
        try {
            return MailRecords.envelope(r);
        } catch (MalformedEnvelopeException e) {
            return null;
        }
    }
}
