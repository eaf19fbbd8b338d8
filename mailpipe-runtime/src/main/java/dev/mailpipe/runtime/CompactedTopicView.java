package dev.mailpipe.runtime;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Follows a compacted topic for as long as the service runs: read from the beginning, each record
 * handed to {@code apply} on the view's own thread (a null value is a tombstone), then followed. No
 * consumer group: every replica reads the whole topic. The mailbox registry and the suppression list
 * are such views.
 */
public final class CompactedTopicView implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(CompactedTopicView.class);

    /** How long one request for the topic's partitions or end offsets may take before it is asked again. */
    private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(30);

    private final Duration setupTimeout;
    private final String topic;
    private final Consumer<ConsumerRecord<String, byte[]>> apply;
    private final Runnable onCaughtUp;
    private final KafkaConsumer<String, byte[]> consumer;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;

    /** Starts following {@code topic}; {@code onCaughtUp} runs once everything there at start has been applied. */
    public CompactedTopicView(Map<String, Object> kafka, String topic, String name, Consumer<ConsumerRecord<String, byte[]>> apply,
            Runnable onCaughtUp) {
        this(kafka, topic, name, apply, onCaughtUp, SETUP_TIMEOUT);
    }

    CompactedTopicView(Map<String, Object> kafka, String topic, String name, Consumer<ConsumerRecord<String, byte[]>> apply,
            Runnable onCaughtUp, Duration setupTimeout) {
        this.setupTimeout = setupTimeout;
        this.topic = topic;
        this.apply = apply;
        this.onCaughtUp = onCaughtUp;
        Map<String, Object> settings = KafkaClients.consumer(kafka);
        // Asking for a topic not there yet must not create it: a broker's auto-creation would make
        // it with the broker's defaults, not compacted.
        settings.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        this.consumer = new KafkaConsumer<>(settings, new StringDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::follow, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Waits until everything the topic held at start has been applied. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(5000);
    }

    private void follow() {
        try {
            Map<TopicPartition, Long> end = start();
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.key() != null) {
                        apply.accept(r);
                    }
                }
                if (caughtUp.getCount() > 0 && end.keySet().stream().allMatch(p -> consumer.position(p) >= end.get(p))) {
                    onCaughtUp.run();
                    caughtUp.countDown();
                }
            }
        } catch (WakeupException e) {
            // stopping
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.errorf(e, "stopped following %s", topic);
        } finally {
            consumer.close();
        }
    }

    /**
     * Assigns every partition of the topic from its beginning and returns where each ended then.
     * A broker not reachable yet, or a topic not created yet (a service started before Kafka or its
     * topics, as Kubernetes and compose may start them), is waited for and asked again every
     * {@link #setupTimeout}: giving up would leave the view empty for good, and every stage that
     * waits for it waiting for ever.
     */
    private Map<TopicPartition, Long> start() throws InterruptedException {
        while (true) {
            try {
                List<TopicPartition> partitions = consumer.partitionsFor(topic, setupTimeout).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                if (!partitions.isEmpty()) {
                    consumer.assign(partitions);
                    consumer.seekToBeginning(partitions);
                    return consumer.endOffsets(partitions, setupTimeout);
                }
                LOG.warnf("%s does not exist yet; asking again in %d s", topic, setupTimeout.toSeconds());
                pause(setupTimeout);
            } catch (TimeoutException e) {
                LOG.warnf("%s: no answer from Kafka within %d s (%s); asking again", topic, setupTimeout.toSeconds(),
                        Failures.summary(e));
            }
            if (!running) {
                throw new WakeupException();
            }
        }
    }

    /** Sleeps in slices, so that a close does not wait for it. */
    private void pause(Duration pause) throws InterruptedException {
        for (long slept = 0; slept < pause.toMillis() && running; slept += 100) {
            Thread.sleep(100);
        }
    }
}
