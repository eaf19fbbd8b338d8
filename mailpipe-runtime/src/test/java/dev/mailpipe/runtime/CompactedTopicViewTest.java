package dev.mailpipe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.kafka.FreePorts;
import dev.mailpipe.kafka.KafkaBroker;
import dev.mailpipe.model.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A view started before its broker, or before its topic (a service up before Kafka or its topics,
 * as Kubernetes and compose may start them), waits for them, and loads and follows the topic once it
 * is there, instead of giving up; it never creates the topic itself.
 */
class CompactedTopicViewTest {
    @Test
    void aViewWaitsForItsBrokerAndItsTopicThenLoads(@TempDir Path tmp) throws Exception {
        int port = FreePorts.port();
        String bootstrap = "127.0.0.1:" + port;
        List<String> applied = new CopyOnWriteArrayList<>();
        try (CompactedTopicView view = new CompactedTopicView(Map.of("bootstrap.servers", bootstrap), Topics.ACCOUNTS, "test-view",
                r -> applied.add(r.key()), () -> { }, Duration.ofSeconds(2))) {
            // Several of the view's requests for the topic time out meanwhile.
            assertFalse(view.awaitCaughtUp(Duration.ofSeconds(5)), "nothing to load without a broker");
            try (KafkaBroker broker = KafkaBroker.start(tmp.resolve("kafka"), port, FreePorts.port(), 1)) {
                try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all"),
                        new StringSerializer(), new ByteArraySerializer())) {
                    p.send(new ProducerRecord<>(Topics.ACCOUNTS, "alice@example.test", "{}".getBytes(StandardCharsets.UTF_8))).get();
                }
                assertTrue(view.awaitCaughtUp(Duration.ofSeconds(60)), "the view loads once the broker is up");
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (applied.isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertEquals(List.of("alice@example.test"), applied);

                // A topic not created yet (a stage started before its topics): the view asks again.
                List<String> later = new CopyOnWriteArrayList<>();
                try (CompactedTopicView view2 = new CompactedTopicView(Map.of("bootstrap.servers", bootstrap), "mail.later", "later-view",
                        r -> later.add(r.key()), () -> { }, Duration.ofSeconds(1));
                        Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                    assertFalse(view2.awaitCaughtUp(Duration.ofSeconds(3)), "nothing to load without the topic");
                    assertFalse(admin.listTopics().names().get().contains("mail.later"), "the view did not create it");
                    admin.createTopics(List.of(new NewTopic("mail.later", 1, (short) 1)
                            .configs(Map.of("cleanup.policy", "compact")))).all().get();
                    try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all"),
                            new StringSerializer(), new ByteArraySerializer())) {
                        p.send(new ProducerRecord<>("mail.later", "k", "{}".getBytes(StandardCharsets.UTF_8))).get();
                    }
                    assertTrue(view2.awaitCaughtUp(Duration.ofSeconds(60)), "the view loads once the topic is there");
                    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (later.isEmpty() && System.nanoTime() < until) {
                        Thread.sleep(100);
                    }
                    assertEquals(List.of("k"), later);
                }
            }
        }
    }
}
