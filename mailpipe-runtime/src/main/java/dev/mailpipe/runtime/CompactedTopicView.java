package dev.mailpipe.runtime;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
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
        this.topic = topic;
        this.apply = apply;
        this.onCaughtUp = onCaughtUp;
        this.consumer = new KafkaConsumer<>(KafkaClients.consumer(kafka), new StringDeserializer(), new ByteArrayDeserializer());
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
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.key() != null) {
                        apply.accept(r);
                    }
                }
                if (caughtUp.getCount() > 0 && partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p))) {
                    onCaughtUp.run();
                    caughtUp.countDown();
                }
            }
        } catch (WakeupException e) {
            // stopping
        } catch (Exception e) {
            LOG.errorf(e, "stopped following %s", topic);
        } finally {
            consumer.close();
        }
    }
}
