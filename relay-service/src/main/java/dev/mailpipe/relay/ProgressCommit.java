package dev.mailpipe.relay;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.IncomingKafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaConnectorIncomingConfiguration;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.commit.KafkaCommitHandler;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * The relay's commit strategy ({@code commit-strategy=relay-progress}): SmallRye's throttled
 * strategy moves an offset only past finished records too, but it forgets a partition the moment
 * it is revoked, so the next owner sent again everything still under way, and after a crash
 * everything that finished above the oldest record in flight. This one commits
 * {@link RelayProgress}'s points (oldest record in flight, with what finished above it as
 * metadata), and in a rebalance lets the deliveries under way finish before the partition goes.
 */
final class ProgressCommit implements KafkaCommitHandler {
    private static final Logger LOG = Logger.getLogger(ProgressCommit.class);

    private final KafkaConsumer<?, ?> consumer;
    private final RelayProgress progress;
    private final RelayConfig config;
    private final Vertx vertx;
    private final long timer;
    private volatile Map<TopicPartition, OffsetAndMetadata> lastCommitted = Map.of();

    private ProgressCommit(Vertx vertx, KafkaConsumer<?, ?> consumer, RelayProgress progress, RelayConfig config) {
        this.vertx = vertx;
        this.consumer = consumer;
        this.progress = progress;
        this.config = config;
        this.timer = vertx.setPeriodic(config.commitInterval().toMillis(), t -> commitNow());
    }

    @Override
    public <K, V> Uni<IncomingKafkaRecord<K, V>> received(IncomingKafkaRecord<K, V> record) {
        progress.received(consumerRecord(record));
        return Uni.createFrom().item(record);
    }

    @Override
    public <K, V> Uni<Void> handle(IncomingKafkaRecord<K, V> record) {
        progress.finished(consumerRecord(record));
        return Uni.createFrom().voidItem();
    }

    /** On the consumer's thread, after a rebalance and before the first poll of the new partitions. */
    @Override
    public void partitionsAssigned(Collection<TopicPartition> partitions) {
        Consumer<?, ?> raw = consumer.unwrap();
        Map<TopicPartition, OffsetAndMetadata> committed = raw.committed(new HashSet<>(partitions));
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata c = committed.get(tp);
            progress.assigned(tp, c, c == null ? raw.position(tp) : c.offset());
        }
    }

    /** On the consumer's thread, in the rebalance: the next owner starts once this returns. */
    @Override
    public void partitionsRevoked(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> points = progress.handOver(partitions, config.handOverGrace());
        if (points.isEmpty()) {
            return;
        }
        // A stopping replica interrupts this thread, and the client refuses to commit on an
        // interrupted one: the flag is set aside for the commit and restored after it.
        boolean interrupted = Thread.interrupted();
        try {
            consumer.unwrap().commitSync(points);
        } catch (KafkaException e) {
            // The group moved on without us (fenced, session expired): the next owner starts from
            // the last periodic commit and may send again what finished since.
            LOG.warnf("could not commit the handed-over partitions %s: %s", partitions, e.toString());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void terminate(boolean graceful) {
        vertx.cancelTimer(timer);
    }

    /**
     * The points are taken on the consumer's thread, where the rebalance callbacks run too: points
     * taken before a hand-over and committed after it would move the offset back and lose what
     * the hand-over's commit recorded as done, and the next owner would send that again.
     */
    private void commitNow() {
        consumer.runOnPollingThread(c -> {
            Map<TopicPartition, OffsetAndMetadata> points = progress.commitPoints();
            if (points.isEmpty() || points.equals(lastCommitted)) {
                return;
            }
            c.commitAsync(points, (offsets, e) -> {
                if (e == null) {
                    lastCommitted = points;
                } else {
                    LOG.debugf("periodic commit failed, the next one retries: %s", e.toString());
                }
            });
        }).subscribe().with(ok -> { }, e -> LOG.debugf("periodic commit not started: %s", e.toString()));
    }

    static ConsumerRecord<?, ?> consumerRecord(IncomingKafkaRecord<?, ?> record) {
        return record.getMetadata(IncomingKafkaRecordMetadata.class).map(m -> (ConsumerRecord<?, ?>) m.getRecord())
                .orElseThrow(() -> new IllegalStateException("an incoming Kafka record without its metadata"));
    }

    /** Makes the strategy for the channel that names it. */
    @ApplicationScoped
    @Identifier("relay-progress")
    static class Factory implements KafkaCommitHandler.Factory {
        private final RelayProgress progress;
        private final RelayConfig config;

        Factory(RelayProgress progress, RelayConfig config) {
            this.progress = progress;
            this.config = config;
        }

        @Override
        public KafkaCommitHandler create(KafkaConnectorIncomingConfiguration channel, Vertx vertx,
                KafkaConsumer<?, ?> consumer, BiConsumer<Throwable, Boolean> reportFailure) {
            return new ProgressCommit(vertx, consumer, progress, config);
        }
    }
}
