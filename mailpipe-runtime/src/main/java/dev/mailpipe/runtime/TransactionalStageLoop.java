package dev.mailpipe.runtime;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
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
 * The loop of a stage that is exactly once (routing, content-filter): poll its input topic, turn
 * the records into what it writes ({@link #process}), and commit that together with the poll's
 * offsets in one Kafka transaction. A crash or a failed send aborts the transaction, and the same
 * records are read again from the committed offsets.
 *
 * <p>An empty poll that moved past a transaction's marker alone is committed too (no records, the
 * offsets), so a caught-up group shows lag 0 as Kafka, KEDA and the dashboard count it; one that
 * moved nothing commits nothing.
 *
 * <p>A transaction commits on a thread of its own while this loop polls on: the records that arrive
 * meanwhile make the next batch ({@link PolledBatch}), processed once the commit is done, so there is
 * still one transaction at a time, in order. A failed commit ends the loop as before, and what was
 * gathered is read again from the committed offsets.
 */
public abstract class TransactionalStageLoop extends StageLoop {
    private static final Logger LOG = Logger.getLogger(TransactionalStageLoop.class);

    /** What the stage reads, as which group, with which transactional id, and how much a poll. */
    public record Input(String topic, String group, String transactionalId, int batchSize) {
    }

    protected abstract Input input();

    /** Everything the stage writes for these records, in their order; throws to abort the transaction. */
    protected abstract List<ProducerRecord<String, byte[]>> process(ConsumerRecords<String, byte[]> records);

    /** The stage's own client settings over the shared ones (linger, timeouts). */
    protected void tune(Map<String, Object> consumer, Map<String, Object> producer) {
    }

    /** Counts one aborted transaction in the stage's metric ({@code mailpipe.<stage>.transactions.aborted}). */
    protected abstract void countAbort();

    @Override
    protected void failed(RuntimeException failure, Duration pause) {
        countAbort();
        LOG.warnf("%s transaction aborted, the batch will be read again in %ds: %s", name(), pause.toSeconds(),
                Failures.summary(failure));
    }

    @Override
    protected void consumeUntilStopped() {
        Input input = input();
        Map<String, Object> c = KafkaClients.consumer(kafka);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, input.group());
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, input.batchSize());
        Map<String, Object> p = KafkaClients.producer(kafka);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, input.transactionalId());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, input.transactionalId());
        tune(c, p);
        ExecutorService committer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, Thread.currentThread().getName() + "-commit");
            t.setDaemon(true);
            return t;
        });
        try (KafkaConsumer<String, byte[]> in = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
                KafkaProducer<String, byte[]> out = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            out.initTransactions();
            TransactionalOutput output = new TransactionalOutput(out, in);
            Committing committing = new Committing();
            PolledBatch batch = new PolledBatch();
            in.subscribe(List.of(input.topic()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
                    // What was committed for them stands; what was gathered is their next owner's.
                    committing.await();
                    batch.drop(revoked);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
                }
            });
            consuming(in);
            Map<TopicPartition, Long> furthest = new HashMap<>();
            try {
                while (running()) {
                    if (committing.busy()) {
                        // While a transaction commits (tens of ms on a busy broker), the consumer
                        // fetches on every GATHER, so the next batch is what arrived meanwhile, not
                        // only what a fetch sent before the commit found: that held each message one
                        // whole commit longer. Not at every record: each poll that finds some sends
                        // a fetch, and the broker's CPU went up by half when the loop polled at once.
                        committing.waitUpTo(GATHER);
                        batch.add(poll(in, Duration.ZERO));
                        if (committing.busy() && batch.count() < input.batchSize()) {
                            continue;
                        }
                    } else {
                        batch.add(poll(in, Duration.ofSeconds(1)));
                    }
                    committing.await();
                    Map<TopicPartition, OffsetAndMetadata> next = batch.nextOffsets();
                    if (batch.count() > 0 || next.entrySet().stream().anyMatch(e -> e.getValue().offset() > furthest.getOrDefault(e.getKey(), -1L))) {
                        List<ProducerRecord<String, byte[]>> produced = batch.count() == 0 ? List.of() : process(batch.records());
                        ConsumerGroupMetadata group = in.groupMetadata();
                        committing.start(committer.submit(() -> output.commit(produced, next, group)));
                        next.forEach((tp, o) -> furthest.merge(tp, o.offset(), Math::max));
                    }
                    batch.clear();
                }
                committing.await();
            } finally {
                // Never close the producer under a commit: wait for it, whatever ended the loop.
                committing.settle();
            }
        } finally {
            committer.shutdownNow();
        }
    }

    /** How often the consumer fetches while a commit is under way (20 ms: once or twice a commit). */
    private static final Duration GATHER = Duration.ofMillis(20);

    /** The transaction being committed on the committer's thread, if any. */
    private static final class Committing {
        private Future<?> commit;

        void start(Future<?> f) {
            commit = f;
        }

        boolean busy() {
            return commit != null && !commit.isDone();
        }

        /** Waits until the commit is done or {@code most} has passed, whichever is first. */
        void waitUpTo(Duration most) {
            try {
                commit.get(most.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException | ExecutionException e) {
                // still under way, or failed: await() tells which
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new org.apache.kafka.common.errors.InterruptException(e);
            }
        }

        /** Waits for the commit; its failure is thrown here, on the loop's thread, as it was raised. */
        void await() {
            if (commit == null) {
                return;
            }
            Future<?> f = commit;
            commit = null;
            try {
                f.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new org.apache.kafka.common.errors.InterruptException(e);
            }
        }

        /** Waits for the commit to end, its outcome aside (the loop is ending on another failure). */
        void settle() {
            try {
                await();
            } catch (RuntimeException ignored) {
                // the failure that ended the loop is the one reported
            }
        }
    }
}
