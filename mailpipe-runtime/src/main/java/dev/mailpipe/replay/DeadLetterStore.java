package dev.mailpipe.replay;

import dev.mailpipe.model.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The dead-letter topic for an operator: what is in it and why, and replay, which sends records back
 * to the topic they came from once the cause is fixed. What was replayed is remembered in the
 * consumer group {@value #GROUP}: its committed offset says everything below was replayed (or
 * passed over by a replay of all), its metadata lists the single records replayed above it. So each
 * record goes back once; one that fails again returns to the dead-letter topic marked
 * {@code mailpipe-replayed-from}, and a replay of all leaves it there (it is named to be replayed
 * again), so nothing goes round in a loop.
 */
final class DeadLetterStore implements AutoCloseable {
    static final String GROUP = "mailpipe-dead-letter-replay";
    private static final TopicPartition PARTITION = new TopicPartition(Topics.DEAD_LETTER, 0);
    private static final String METADATA_PREFIX = "replayed:";

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;

    DeadLetterStore(String bootstrap) {
        consumer = dev.mailpipe.runtime.KafkaClients.reader(bootstrap, GROUP);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MAX_RECORD_BYTES);
        producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        consumer.assign(List.of(PARTITION));
    }

    /** What was replayed so far. */
    record Progress(long below, TreeSet<Long> above) {
        boolean replayed(long offset) {
            return offset < below || above.contains(offset);
        }
    }

    /** Every dead letter, oldest first. */
    List<DeadLetter> all() {
        consumer.seekToBeginning(List.of(PARTITION));
        long end = consumer.endOffsets(List.of(PARTITION)).get(PARTITION);
        List<DeadLetter> out = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (consumer.position(PARTITION) < end && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.offset() < end) {
                    out.add(DeadLetter.of(r));
                }
            }
        }
        return out;
    }

    Progress progress() {
        OffsetAndMetadata committed = consumer.committed(java.util.Set.of(PARTITION)).get(PARTITION);
        TreeSet<Long> above = new TreeSet<>();
        if (committed == null) {
            return new Progress(0, above);
        }
        String m = committed.metadata();
        if (m != null && m.startsWith(METADATA_PREFIX) && m.length() > METADATA_PREFIX.length()) {
            for (String o : m.substring(METADATA_PREFIX.length()).split(",")) {
                above.add(Long.parseLong(o));
            }
        }
        return new Progress(committed.offset(), above);
    }

    /**
     * Sends {@code letters} back where they came from (each acknowledged before the next step) and
     * records them as replayed; {@code all} moves the mark past every record up to {@code through}.
     */
    void replay(List<DeadLetter> letters, Progress before, boolean all, long through) throws Exception {
        List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
        for (DeadLetter d : letters) {
            var record = new ProducerRecord<>(d.sourceTopic(), null, d.record().key(), d.record().value(), d.originalHeaders());
            record.headers().add(new RecordHeader(dev.mailpipe.model.RecordHeaders.REPLAYED_FROM,
                    (Topics.DEAD_LETTER + "@" + d.offset()).getBytes(StandardCharsets.UTF_8)));
            sent.add(producer.send(record));
        }
        producer.flush();
        for (var f : sent) {
            f.get(30, TimeUnit.SECONDS);
        }
        long below = all ? Math.max(before.below(), through) : before.below();
        TreeSet<Long> above = new TreeSet<>(before.above());
        letters.forEach(d -> above.add(d.offset()));
        above.removeIf(o -> o < below);
        // The mark moves over a contiguous run of replayed offsets, so the list stays short.
        long mark = below;
        while (above.remove(mark)) {
            mark++;
        }
        String metadata = METADATA_PREFIX + above.stream().map(String::valueOf).collect(Collectors.joining(","));
        consumer.commitSync(Map.of(PARTITION, new OffsetAndMetadata(mark, metadata)));
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
        producer.close(Duration.ofSeconds(5));
    }
}
