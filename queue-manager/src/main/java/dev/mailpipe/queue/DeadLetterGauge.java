package dev.mailpipe.queue;

import dev.mailpipe.model.Topics;
import dev.mailpipe.runtime.KafkaClients;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

/**
 * {@code mailpipe_dead_letters}: the records in {@code mail.dead-letter}, counted by reading them
 * (read_committed). Its end offset is no count: the stages write dead letters in their
 * transactions, and each transaction's marker takes an offset too, so one dead letter moved the
 * offset by two. A thread follows the topic from its start; what retention deletes is no longer
 * counted. Not part of the lag collector: it is wanted where Strimzi's exporter runs too.
 */
@ApplicationScoped
public class DeadLetterGauge {
    private static final Logger LOG = Logger.getLogger(DeadLetterGauge.class);
    /** Past this many records the offsets are no longer kept one by one, and retention is judged by the count alone. */
    private static final int KEPT = 100_000;
    private static final Duration RETENTION_CHECK = Duration.ofSeconds(30);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    /** Offsets of the records counted, oldest first (up to {@link #KEPT}), and how many there are in all. */
    private final Deque<Long> offsets = new ArrayDeque<>();
    private long count;
    private volatile boolean running = true;
    private volatile KafkaConsumer<byte[], byte[]> follower;
    private Thread thread;

    DeadLetterGauge(MeterRegistry registry) {
        Gauge.builder("mailpipe.dead.letters", this, DeadLetterGauge::count)
                .description("Records in mail.dead-letter, as read (transaction markers are not records)").register(registry);
    }

    synchronized long count() {
        return count;
    }

    void start(@Observes StartupEvent event) {
        thread = new Thread(this::follow, "dead-letter-gauge");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        running = false;
        KafkaConsumer<byte[], byte[]> c = follower;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            thread.join(5_000);
        }
    }

    private void follow() {
        while (running) {
            Map<String, Object> settings = KafkaClients.consumer(kafka);
            settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(settings, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                follower = c;
                TopicPartition tp = new TopicPartition(Topics.DEAD_LETTER, 0);
                c.assign(List.of(tp));
                c.seekToBeginning(List.of(tp));
                synchronized (this) {
                    offsets.clear();
                    count = 0;
                }
                long nextCheck = 0;
                while (running) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofSeconds(1))) {
                        synchronized (this) {
                            count++;
                            if (offsets.size() < KEPT) {
                                offsets.addLast(r.offset());
                            }
                        }
                    }
                    if (System.nanoTime() > nextCheck) {
                        forgetDeleted(c.beginningOffsets(List.of(tp)).get(tp));
                        nextCheck = System.nanoTime() + RETENTION_CHECK.toNanos();
                    }
                }
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warnf("dead-letter gauge: %s; counting mail.dead-letter again in 5 s", e.toString());
                try {
                    Thread.sleep(5000);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    /** Records before the topic's first offset were deleted by retention: no longer in the topic. */
    private synchronized void forgetDeleted(long first) {
        while (!offsets.isEmpty() && offsets.peekFirst() < first) {
            offsets.pollFirst();
            count--;
        }
    }
}
