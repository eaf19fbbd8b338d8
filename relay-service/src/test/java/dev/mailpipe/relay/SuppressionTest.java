package dev.mailpipe.relay;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailpipe.kafka.LocalKafkaResource;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.Route;
import dev.mailpipe.model.Suppression;
import dev.mailpipe.model.Topics;
import dev.mailpipe.peers.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A recipient an MX refuses as nonexistent (550 5.1.1) is suppressed in {@code mail.suppressed}:
 * the next message to it bounces at once, without a word to the MX, while its other recipients are
 * delivered; lifted with {@code ./mailpipe suppression remove}, it is tried again.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = SlowAndFastPeers.class, restrictToAnnotatedClass = true)
@Tag("service")
class SuppressionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String bootstrap() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    private static void send(String id, String... recipients) throws Exception {
        Envelope e = Envelope.received(id, Instant.now(), new Envelope.Client("127.0.0.1", "t", false, null), "s@y.test",
                java.util.Arrays.stream(recipients).map(Recipient::of).toList(), 40)
                .withRoute(new Route("fast.test", List.of(new Route.MxHost("mx.fast.test", 10, List.of("127.0.0.32"))), null));
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap(), "acks", "all"),
                new StringSerializer(), new ByteArraySerializer())) {
            p.send(MailRecords.record(Topics.RELAY, "fast.test", e, ("Subject: " + id + "\r\n\r\nx\r\n").getBytes(StandardCharsets.UTF_8)))
                    .get();
        }
    }

    private static List<JsonNode> events(String id, String type) {
        return TopicReader.readCommitted(bootstrap(), Topics.EVENTS).stream().map(r -> {
            try {
                return JSON.readTree(r.value());
            } catch (java.io.IOException x) {
                throw new IllegalStateException(x);
            }
        }).filter(n -> id.equals(n.path("id").asText()) && type.equals(n.path("type").asText())).toList();
    }

    private static long delivered(String id) throws Exception {
        return SlowAndFastPeers.fast.messages().stream().filter(f -> {
            try {
                return Files.readString(f).contains("Subject: " + id);
            } catch (Exception x) {
                return false;
            }
        }).count();
    }

    private static int command(String... words) throws Exception {
        String[] args = new String[words.length + 1];
        args[0] = bootstrap();
        System.arraycopy(words, 0, args, 1, words.length);
        return dev.mailpipe.runtime.SuppressionCommand.run(args, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(new ByteArrayOutputStream()));
    }

    @Test
    void aRecipientThatDoesNotExistIsNotAskedForAgainUntilLifted() throws Exception {
        send("sup-1", "reject-gone@fast.test", "here@fast.test");
        await().atMost(Duration.ofSeconds(30)).until(() -> !events("sup-1", "bounced").isEmpty() && delivered("sup-1") == 1);
        JsonNode first = events("sup-1", "bounced").get(0);
        assertEquals("invalid-recipient", first.path("class").asText());
        assertEquals("mx.fast.test", first.path("remoteHost").asText(), "a server said so");
        await().atMost(Duration.ofSeconds(30)).until(() -> TopicReader.readCommitted(bootstrap(), Topics.SUPPRESSED).stream()
                .anyMatch(r -> "reject-gone@fast.test".equals(r.key()) && r.value() != null
                        && Suppression.fromJson(r.value()).diagnostic().contains("550 5.1.1 no such user here")));

        send("sup-2", "reject-gone@fast.test", "also-here@fast.test");
        await().atMost(Duration.ofSeconds(30)).until(() -> !events("sup-2", "bounced").isEmpty() && delivered("sup-2") == 1);
        JsonNode second = events("sup-2", "bounced").get(0);
        assertTrue(second.path("detail").asText().contains("x-mailpipe; suppressed until "), second.toString());
        assertTrue(second.path("remoteHost").isMissingNode(), "no server was asked: " + second);
        assertEquals("invalid-recipient", second.path("class").asText());
        assertTrue(SlowAndFastPeers.fast.messages().stream().noneMatch(f -> {
            try {
                return Files.readString(f.resolveSibling(f.getFileName().toString().replace(".eml", ".env"))).contains("reject-gone");
            } catch (Exception x) {
                return false;
            }
        }), "the suppressed address never reached the MX");

        assertEquals(0, command("remove", "Reject-Gone@fast.test"));
        assertEquals(1, command("remove", "reject-gone@fast.test"), "no longer suppressed");
        // Lifted: every replica follows the topic; this one tries the address again.
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            send("sup-3-" + System.nanoTime(), "reject-gone@fast.test");
            Thread.sleep(2000);
            return TopicReader.readCommitted(bootstrap(), Topics.EVENTS).stream().map(r -> new String(r.value(), StandardCharsets.UTF_8))
                    .anyMatch(t -> t.contains("\"id\":\"sup-3-") && t.contains("\"remoteHost\""));
        });
    }
}
