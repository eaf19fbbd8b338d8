package dev.mailpipe.routing;

import dev.mailpipe.model.Topics;
import dev.mailpipe.runtime.Failures;
import dev.mailpipe.runtime.KafkaClients;
import dev.mailpipe.runtime.StageLoop;
import dev.mailpipe.runtime.TransactionalOutput;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * routing-service's one loop, on one thread: poll {@code mail.inbound}, route the records
 * ({@link RoutingService}), and commit what they produced together with the poll's offsets in one
 * Kafka transaction. Exactly once: a crash or a failed send aborts the transaction, and the same
 * records are read again from the committed offsets.
 *
 * <p>Plain Kafka clients rather than a messaging channel: the transaction is the loop's own, so its
 * records leave in one request when it commits, and no record crosses a thread before it is sent.
 * Through SmallRye's transactional emitter each record took several hops between threads and the
 * stage spent four times as much CPU per message (docs/performance.md).
 */
@ApplicationScoped
class RoutingLoop extends StageLoop {
    private static final Logger LOG = Logger.getLogger(RoutingLoop.class);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    private final RoutingService routing;
    private final RoutingConfig config;
    private final Counter aborts;

    RoutingLoop(RoutingService routing, RoutingConfig config, MeterRegistry registry) {
        this.routing = routing;
        this.config = config;
        this.aborts = Counter.builder("mailpipe.routing.transactions.aborted")
                .description("routing transactions aborted; their batches were read again").register(registry);
    }

    void start(@Observes StartupEvent event) {
        start("routing");
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        stop();
    }

    @Override
    protected void failed(RuntimeException failure, Duration pause) {
        aborts.increment();
        LOG.warnf("routing transaction aborted, the batch will be read again in %ds: %s", pause.toSeconds(),
                Failures.summary(failure));
    }

    @Override
    protected void consumeUntilStopped() {
        Map<String, Object> c = KafkaClients.consumer(kafka);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, config.group());
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.batchSize());
        Map<String, Object> p = KafkaClients.producer(kafka);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, config.transactionalId());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
        // The commit sends what is left at once (it flushes), so a transaction's records wait for
        // it and leave together, one request, instead of a request per few records.
        p.put(ProducerConfig.LINGER_MS_CONFIG, 1000);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        try (KafkaConsumer<String, byte[]> in = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
                KafkaProducer<String, byte[]> out = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            out.initTransactions();
            TransactionalOutput output = new TransactionalOutput(out, in);
            in.subscribe(List.of(Topics.INBOUND));
            consuming(in);
            // The furthest next offset committed per partition: an empty poll that moved past a
            // transaction's marker alone (queue-manager's releases are transactions) is committed
            // too, so a caught-up group shows lag 0; one that moved nothing commits nothing.
            Map<org.apache.kafka.common.TopicPartition, Long> furthest = new java.util.HashMap<>();
            while (running()) {
                ConsumerRecords<String, byte[]> records = poll(in, Duration.ofSeconds(1));
                var next = records.nextOffsets();
                if (!records.isEmpty() || next.entrySet().stream().anyMatch(e -> e.getValue().offset() > furthest.getOrDefault(e.getKey(), -1L))) {
                    output.commit(records.isEmpty() ? List.of() : routing.route(records), next);
                    next.forEach((tp, o) -> furthest.merge(tp, o.offset(), Math::max));
                }
            }
        }
    }
}
