package dev.mailpipe.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.kafka.FreePorts;
import dev.mailpipe.kafka.KafkaBroker;
import dev.mailpipe.model.RecordHeaders;
import dev.mailpipe.model.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dead-letter tool against a real broker: it lists both kinds of dead letter with their reasons,
 * replays a record to its topic as it was (its dead-letter headers dropped), never the same record
 * twice, and leaves one that failed again after a replay until it is named.
 */
@Tag("unit")
class DeadLetterToolTest {
    @TempDir
    static Path tmp;
    private static KafkaBroker broker;

    @BeforeAll
    static void broker() throws Exception {
        broker = KafkaBroker.start(tmp.resolve("kafka"), FreePorts.port(), FreePorts.port(), 1);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            var existing = admin.listTopics().names().get();
            List<NewTopic> topics = new ArrayList<>();
            for (String t : List.of(Topics.DEAD_LETTER, Topics.DELIVERY, Topics.INBOUND)) {
                if (!existing.contains(t)) {
                    topics.add(new NewTopic(t, 1, (short) 1));
                }
            }
            admin.createTopics(topics).all().get();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    @Test
    void listsReplaysOnceAndLeavesWhatFailedAgain() throws Exception {
        try (KafkaProducer<byte[], byte[]> p = producer()) {
            // A stage's own dead letter, with the original's envelope header kept.
            send(p, "m-1", "first", List.of(h(RecordHeaders.ENVELOPE, "{\"v\":1}"), h(RecordHeaders.DEAD_LETTER_STAGE, "delivery-service"),
                    h(RecordHeaders.DEAD_LETTER_TOPIC, Topics.DELIVERY), h(RecordHeaders.DEAD_LETTER_REASON, "disk on fire")));
            // SmallRye's dead-letter-queue strategy, for a failure the stage did not expect.
            send(p, "m-2", "second", List.of(h("dead-letter-topic", Topics.INBOUND), h("dead-letter-reason", "boom"),
                    h("dead-letter-cause", "NullPointerException"), h("dead-letter-partition", "0")));
            // One that failed again after a replay.
            send(p, "m-3", "third", List.of(h(RecordHeaders.DEAD_LETTER_TOPIC, Topics.DELIVERY),
                    h(RecordHeaders.DEAD_LETTER_REASON, "still broken"), h(RecordHeaders.REPLAYED_FROM, "mail.dead-letter@0")));
        }
        String list = run(0, "");
        assertTrue(list.contains("#0") && list.contains("delivery-service") && list.contains("disk on fire"), list);
        assertTrue(list.contains("routing-service") && list.contains("boom: NullPointerException"), list);
        assertTrue(list.contains("again") && list.contains("3 dead letter(s): 3 not replayed"), list);

        assertEquals("no dead letter #9\n", run(1, "replay", "#9"));
        assertEquals("no dead letter with key nobody waiting for a replay\n", run(1, "replay", "nobody"));
        assertTrue(run(2, "replay", "#1", "extra").startsWith("usage"));

        assertTrue(run(0, "replay", "m-1").contains("replayed #0 (m-1) to mail.delivery"));
        List<ConsumerRecord<byte[], byte[]>> delivery = read(Topics.DELIVERY);
        assertEquals(1, delivery.size());
        var back = delivery.get(0);
        assertEquals("m-1", new String(back.key(), StandardCharsets.UTF_8));
        assertEquals("first", new String(back.value(), StandardCharsets.UTF_8));
        assertEquals("{\"v\":1}", new String(back.headers().lastHeader(RecordHeaders.ENVELOPE).value(), StandardCharsets.UTF_8));
        assertNull(back.headers().lastHeader(RecordHeaders.DEAD_LETTER_REASON), "the dead letter's own headers dropped");
        assertEquals("mail.dead-letter@0", new String(back.headers().lastHeader(RecordHeaders.REPLAYED_FROM).value(),
                StandardCharsets.UTF_8));

        // Replay of all: #1 goes back, #0 not a second time, #2 (failed after a replay) stays.
        String all = run(0, "replay");
        assertTrue(all.contains("replayed #1 (m-2) to mail.inbound") && all.contains("1 record(s) replayed"), all);
        assertEquals(1, read(Topics.DELIVERY).size());
        assertEquals(1, read(Topics.INBOUND).size());
        assertNull(read(Topics.INBOUND).get(0).headers().lastHeader("dead-letter-cause"));
        assertEquals("0 record(s) replayed\n", run(0, "replay"));
        String after = run(0, "");
        assertTrue(after.contains("3 dead letter(s): 0 not replayed"), after);
        assertFalse(run(0, "--json").contains("\"replayed\" : false"));

        // Named, it goes back once more.
        assertTrue(run(0, "replay", "#2").contains("replayed #2 (m-3) to mail.delivery"));
        assertEquals(2, read(Topics.DELIVERY).size());
    }

    private static String run(int expectedExit, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(broker.bootstrapServers()));
        for (String a : args) {
            if (!a.isEmpty()) {
                argv.add(a);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = dev.mailpipe.replay.DeadLetterCommand.run(argv.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
        assertEquals(expectedExit, code, text);
        return text;
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers(), "acks", "all"),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void send(KafkaProducer<byte[], byte[]> p, String key, String value, List<RecordHeader> headers) throws Exception {
        p.send(new ProducerRecord<>(Topics.DEAD_LETTER, null, key.getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8), new ArrayList<>(headers))).get();
    }

    private static RecordHeader h(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private static List<ConsumerRecord<byte[], byte[]>> read(String topic) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (c.position(tp) < end && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }
}
