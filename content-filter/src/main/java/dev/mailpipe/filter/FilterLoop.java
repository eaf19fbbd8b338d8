package dev.mailpipe.filter;

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
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * content-filter's one loop, on one thread: poll {@code mail.scan}, have each message scanned
 * ({@link ContentFilter}), and commit what that produced together with the poll's offsets in one
 * Kafka transaction ({@link TransactionalStageLoop}), as routing does. Exactly once: rspamd away, a
 * crash or a failed send aborts the transaction, and the same messages are read again from the
 * committed offsets after a pause.
 */
@ApplicationScoped
class FilterLoop extends TransactionalStageLoop {
    private final ContentFilter filter;
    private final FilterConfig config;
    private final Counter aborts;

    FilterLoop(ContentFilter filter, FilterConfig config, MeterRegistry registry) {
        this.filter = filter;
        this.config = config;
        this.aborts = Counter.builder("mailpipe.filter.transactions.aborted")
                .description("content-filter transactions aborted (rspamd away, Kafka failing); their batches were read again")
                .register(registry);
    }

    void start(@Observes StartupEvent event) {
        start("content-filter");
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
        return new Input(Topics.SCAN, config.group(), config.transactionalId(), config.batchSize());
    }

    @Override
    protected void tune(Map<String, Object> consumer, Map<String, Object> producer) {
        // A batch may wait for rspamd up to the scan timeout: the group must not think the member gone.
        consumer.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE,
                Math.max(300_000L, config.timeout().multipliedBy(3).toMillis())));
        producer.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) Math.min(Integer.MAX_VALUE,
                Math.max(60_000L, config.timeout().multipliedBy(2).toMillis())));
    }

    @Override
    protected List<ProducerRecord<String, byte[]>> process(ConsumerRecords<String, byte[]> records) {
        return filter.scan(records);
    }
}
