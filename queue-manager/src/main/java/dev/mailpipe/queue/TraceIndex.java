package dev.mailpipe.queue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailpipe.model.RecordHeaders;
import dev.mailpipe.model.Topics;
import dev.mailpipe.runtime.KafkaClients;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Answers "where is message X and why" without reading all of {@code mail.events}: a thread
 * follows the topic from its start and records where each message's events are
 * ({@link EventPositions}: partition and offset per event, no event kept); a trace then reads only
 * those records. A message is found by its queue id (the events' key) or by its Message-ID, which
 * the ingress's {@code received} event carries in a header.
 */
@ApplicationScoped
public class TraceIndex {
    private static final Logger LOG = Logger.getLogger(TraceIndex.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The index key under which a Message-ID points at its received event. */
    private static final String MESSAGE_ID = "message-id:";

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    private final QueueConfig config;
    private final EventPositions positions;
    /** Events per minute by type over the last hour, for the console's graphs. */
    private final EventMinutes minutes = new EventMinutes();
    /** How far the index has read, per partition (the next offset). */
    private final Map<Integer, Long> indexed = new HashMap<>();
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> follower;
    private Thread thread;

    TraceIndex(QueueConfig config) {
        this.config = config;
        this.positions = new EventPositions(config.traceEvents());
    }

    void start(@Observes StartupEvent event) {
        thread = new Thread(this::follow, "trace-index");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        running = false;
        KafkaConsumer<String, byte[]> c = follower;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            thread.join(5_000);
        }
    }

    /** One message's events, oldest first, each the event's JSON; empty when the index has none. */
    List<JsonNode> trace(String id) throws InterruptedException {
        String key = id.trim();
        try (KafkaConsumer<String, byte[]> reader = reader()) {
            awaitCaughtUp(reader);
            List<JsonNode> events = read(reader, key, positionsOf(key));
            if (events.isEmpty()) {
                // Not a queue id: perhaps a Message-ID, with or without its angle brackets.
                String bare = key.replaceAll("^<|>$", "");
                for (JsonNode received : read(reader, null, positionsOf(MESSAGE_ID + bare))) {
                    if (bare.equals(received.path("messageId").asText().replaceAll("^<|>$", ""))) {
                        String queueId = received.path("id").asText();
                        return read(reader, queueId, positionsOf(queueId));
                    }
                }
            }
            return events;
        }
    }

    EventMinutes minutes() {
        return minutes;
    }

    /** How many events the index holds. */
    long size() {
        synchronized (positions) {
            return positions.size();
        }
    }

    private List<long[]> positionsOf(String key) {
        synchronized (positions) {
            return positions.positions(key);
        }
    }

    /**
     * Waits (at most {@code trace-catch-up}) until the index has read what the topic held when the
     * trace was asked, so that a trace right after an event shows it.
     */
    private void awaitCaughtUp(KafkaConsumer<String, byte[]> reader) throws InterruptedException {
        List<TopicPartition> partitions = partitions(reader);
        Map<TopicPartition, Long> end = reader.endOffsets(partitions);
        long deadline = System.nanoTime() + config.traceCatchUp().toNanos();
        while (System.nanoTime() < deadline) {
            boolean behind;
            synchronized (positions) {
                behind = end.entrySet().stream()
                        .anyMatch(e -> indexed.getOrDefault(e.getKey().partition(), 0L) < e.getValue());
            }
            if (!behind) {
                return;
            }
            Thread.sleep(20);
        }
    }

    /**
     * The events at {@code at}, each fetched alone (seek, poll): a message's few events, not the
     * topic. Events of another key (a shared hash) are dropped; with {@code key} null, all are kept.
     */
    private static List<JsonNode> read(KafkaConsumer<String, byte[]> reader, String key, List<long[]> at) {
        List<JsonNode> out = new ArrayList<>();
        for (long[] p : at) {
            TopicPartition tp = new TopicPartition(Topics.EVENTS, (int) p[0]);
            reader.assign(List.of(tp));
            reader.seek(tp, p[1]);
            Optional<ConsumerRecord<String, byte[]>> record = Optional.empty();
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (record.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : reader.poll(Duration.ofMillis(100))) {
                    if (r.offset() == p[1]) {
                        record = Optional.of(r);
                    }
                }
                if (reader.position(tp) > p[1]) {
                    break; // past it: a record of an aborted transaction, never visible
                }
            }
            record.filter(r -> key == null || key.equals(r.key())).map(TraceIndex::parse).ifPresent(out::add);
        }
        out.sort(Comparator.comparing(e -> e.path("at").asText()));
        return out;
    }

    private static JsonNode parse(ConsumerRecord<String, byte[]> r) {
        try {
            return JSON.readTree(r.value());
        } catch (IOException e) {
            return JSON.createObjectNode().put("id", r.key()).put("type", "unreadable").put("detail", e.getMessage());
        }
    }

    /**
     * Follows mail.events from the start: per record, its key and, for a received event, the
     * Message-ID header (and its type, for the minutes); the value is never parsed. Reopens after a
     * failure, from the start again.
     */
    private void follow() {
        while (running) {
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(followerConfig(), new StringDeserializer(),
                    new ByteArrayDeserializer())) {
                follower = c;
                List<TopicPartition> partitions = partitions(c);
                c.assign(partitions);
                c.seekToBeginning(partitions);
                while (running) {
                    var records = c.poll(Duration.ofMillis(500));
                    synchronized (positions) {
                        for (ConsumerRecord<String, byte[]> r : records) {
                            if (r.key() != null) {
                                positions.add(r.key(), r.partition(), r.offset());
                            }
                            minutes.count(r.timestamp(), r.value());
                            Header mid = r.headers().lastHeader(RecordHeaders.MESSAGE_ID);
                            if (mid != null) {
                                String bare = new String(mid.value(), StandardCharsets.UTF_8).replaceAll("^<|>$", "");
                                positions.add(MESSAGE_ID + bare, r.partition(), r.offset());
                            }
                        }
                        for (TopicPartition tp : partitions) {
                            indexed.put(tp.partition(), c.position(tp));
                        }
                    }
                }
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warnf("trace index: %s; reading mail.events again in 5 s", e.toString());
                synchronized (positions) {
                    indexed.clear();
                }
                minutes.clear(); // read again from the start: counted again
                try {
                    Thread.sleep(5000);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    /**
     * Large polls, and fetches that wait for 256 KiB or 200 ms: under load the index costs the
     * broker a few fetches a second, not one per batch of events.
     */
    private Map<String, Object> followerConfig() {
        Map<String, Object> c = KafkaClients.consumer(kafka);
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        c.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 256 * 1024);
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 200);
        return c;
    }

    private KafkaConsumer<String, byte[]> reader() {
        Map<String, Object> c = KafkaClients.consumer(kafka);
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        // One event is small; a fetch of its whole batch is enough.
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 64 * 1024);
        return new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
    }

    private static List<TopicPartition> partitions(KafkaConsumer<String, byte[]> c) {
        return c.partitionsFor(Topics.EVENTS).stream().map(p -> new TopicPartition(Topics.EVENTS, p.partition())).toList();
    }
}
