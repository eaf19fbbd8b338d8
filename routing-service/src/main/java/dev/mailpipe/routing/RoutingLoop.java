package dev.mailpipe.routing;

import dev.mailpipe.model.Topics;
import dev.mailpipe.runtime.TransactionalStageLoop;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * routing-service's loop over {@code mail.inbound}, on a thread of its own: poll, route the records
 * ({@link RoutingService}), and commit what they produced together with the poll's offsets in one
 * Kafka transaction ({@link TransactionalStageLoop}). {@link NoticeRoutingLoop} does the same for
 * {@code mail.notices} beside it, so neither kind of mail waits behind the other.
 *
 * <p>Plain Kafka clients rather than a messaging channel: the transaction is the loop's own, so its
 * records leave in one request when it commits, and no record crosses a thread before it is sent.
 * Through SmallRye's transactional emitter each record took several hops between threads and the
 * stage spent four times as much CPU per message (docs/performance.md).
 */
@ApplicationScoped
class RoutingLoop extends TransactionalStageLoop {
    private final RoutingService routing;
    final RoutingConfig config;
    private final Counter aborts;

    RoutingLoop(RoutingService routing, RoutingConfig config, MeterRegistry registry) {
        this.routing = routing;
        this.config = config;
        this.aborts = Counter.builder("mailpipe.routing.transactions.aborted")
                .description("routing transactions aborted; their batches were read again").register(registry);
    }

    void start(@Observes StartupEvent event) {
        start(threadName());
    }

    String threadName() {
        return "routing";
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        stop();
    }

    @Override
    protected void countAbort() {
        aborts.increment();
    }

    @Override
    protected Input input() {
        return new Input(Topics.INBOUND, config.group(), config.transactionalId(), config.batchSize());
    }

    @Override
    protected void tune(Map<String, Object> consumer, Map<String, Object> producer) {
        // The commit sends what is left at once (it flushes), so a transaction's records wait for
        // it and leave together, one request, instead of a request per few records.
        producer.put(ProducerConfig.LINGER_MS_CONFIG, 1000);
        producer.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    }

    @Override
    protected List<ProducerRecord<String, byte[]>> process(ConsumerRecords<String, byte[]> records) {
        return routing.route(records);
    }
}
