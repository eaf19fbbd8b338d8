package dev.mailpipe.relay;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.IncomingKafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaConnectorIncomingConfiguration;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import io.smallrye.reactive.messaging.kafka.fault.KafkaFailureHandler;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.function.BiConsumer;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

/**
 * The relay's failure strategy ({@code failure-strategy=relay-failures}). A record the relay could
 * not handle while running goes to the dead-letter topic, as SmallRye's {@code dead-letter-queue}
 * does. But while the replica stops, SmallRye nacks every record it had polled and not yet started:
 * those are not failures, and dead-lettering them took queued mail out of the queue on every
 * graceful stop. They, and records of partitions already handed over, are left uncommitted: the
 * partition's next owner sends them.
 */
final class RelayFailures implements KafkaFailureHandler {
    private static final Logger LOG = Logger.getLogger(RelayFailures.class);

    private final KafkaFailureHandler deadLetter;
    private final Factory factory;

    private RelayFailures(KafkaFailureHandler deadLetter, Factory factory) {
        this.deadLetter = deadLetter;
        this.factory = factory;
    }

    @Override
    public <K, V> Uni<Void> handle(IncomingKafkaRecord<K, V> record, Throwable reason, Metadata metadata) {
        var consumerRecord = ProgressCommit.consumerRecord(record);
        boolean handedOver = factory.progress.decide(consumerRecord) == RelayProgress.Decision.NOT_OWNED;
        boolean stopping = factory.progress.isStopping();
        if (stopping || handedOver) {
            factory.progress.leave(consumerRecord);
            LOG.infof("%s-%d offset %d not handled here (%s): left uncommitted for the partition's next owner",
                    record.getTopic(), record.getPartition(), record.getOffset(), stopping ? "stopping" : "handed over");
            return Uni.createFrom().voidItem();
        }
        return deadLetter.handle(record, reason, metadata);
    }

    @Override
    public void terminate() {
        deadLetter.terminate();
    }

    /** Makes the strategy for the channel that names it. */
    @ApplicationScoped
    @Identifier("relay-failures")
    static class Factory implements KafkaFailureHandler.Factory {
        private final RelayProgress progress;
        private final KafkaFailureHandler.Factory deadLetterQueue;

        Factory(RelayProgress progress, @Identifier("dead-letter-queue") KafkaFailureHandler.Factory deadLetterQueue) {
            this.progress = progress;
            this.deadLetterQueue = deadLetterQueue;
        }

        @Override
        public KafkaFailureHandler create(KafkaConnectorIncomingConfiguration channel, Vertx vertx,
                KafkaConsumer<?, ?> consumer, BiConsumer<Throwable, Boolean> reportFailure) {
            return new RelayFailures(deadLetterQueue.create(channel, vertx, consumer, reportFailure), this);
        }
    }
}
