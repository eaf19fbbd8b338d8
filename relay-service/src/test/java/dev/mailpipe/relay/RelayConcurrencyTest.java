package dev.mailpipe.relay;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.kafka.LocalKafkaResource;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.Route;
import dev.mailpipe.model.Topics;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
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

/** One MX that greets and goes silent must not hold up mail for other domains (many deliveries at once). */
@QuarkusTest
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = SlowAndFastPeers.class, restrictToAnnotatedClass = true)
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
@Tag("service")
class RelayConcurrencyTest {

    private static Envelope toDomain(String id, String domain, String address) {
        return Envelope.received(id, Instant.now(), new Envelope.Client("127.0.0.1", "t", false, null), "s@y.test",
                List.of(Recipient.of("rcpt@" + domain)), 40)
                .withRoute(new Route(domain, List.of(new Route.MxHost("mx." + domain, 10, List.of(address))), null));
    }

    @Test
    @org.junit.jupiter.api.Order(1)
    void aSilentMxHoldsOnlyItsOwnMailWhileOtherDomainsFlow() throws Exception {
        String bootstrap = ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all"),
                new StringSerializer(), new ByteArraySerializer())) {
            p.send(MailRecords.record(Topics.RELAY, "tarpit.test", toDomain("slow-1", "tarpit.test", "127.0.0.31"),
                    "Subject: to the tarpit\r\n\r\nx\r\n".getBytes(StandardCharsets.UTF_8))).get();
            // The relay is stuck on the tarpit's reply to EHLO now; then mail for a healthy domain.
            await().atMost(Duration.ofSeconds(60)).until(() -> !SlowAndFastPeers.silentConnections.isEmpty());
            for (int i = 0; i < 5; i++) {
                p.send(MailRecords.record(Topics.RELAY, "fast.test", toDomain("fast-" + i, "fast.test", "127.0.0.32"),
                        ("Subject: fast " + i + "\r\n\r\nx\r\n").getBytes(StandardCharsets.UTF_8)));
            }
            p.flush();
        }
        // One at a time, these would wait the tarpit's 25 s reply timeout; at once, they go now.
        await().atMost(Duration.ofSeconds(15)).until(() -> fastMessages() == 5);
        assertEquals(1, SlowAndFastPeers.silentConnections.size(), "the tarpit still holds its one delivery");
        assertTrue(SlowAndFastPeers.silentConnections.get(0).isConnected());
    }

    /**
     * More mail for the silent MX than a replica once had threads (100): what waits for that site's
     * window holds no thread, so mail for a healthy domain behind all of it still goes at once.
     */
    @Test
    @org.junit.jupiter.api.Order(2)
    void aBacklogForASilentMxDoesNotStarveTheOtherDomains() throws Exception {
        String bootstrap = ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
        long fastBefore = fastMessages();
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all"),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 150; i++) {
                p.send(MailRecords.record(Topics.RELAY, "backlog.test", toDomain("backlog-" + i, "backlog.test", "127.0.0.31"),
                        ("Subject: backlog " + i + "\r\n\r\nx\r\n").getBytes(StandardCharsets.UTF_8)));
            }
            p.flush();
            for (int i = 0; i < 5; i++) {
                p.send(MailRecords.record(Topics.RELAY, "fast.test", toDomain("fast-after-backlog-" + i, "fast.test", "127.0.0.32"),
                        ("Subject: fast after backlog " + i + "\r\n\r\nx\r\n").getBytes(StandardCharsets.UTF_8)));
            }
            p.flush();
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> fastMessages() == fastBefore + 5);
        assertTrue(SlowAndFastPeers.silentConnections.size() <= 1 + 20,
                "the silent site holds no more connections than its window: " + SlowAndFastPeers.silentConnections.size());
    }

    /**
     * Three times the hand (100 records) for the silent MX, then mail for a healthy domain: one site
     * keeps at most its window and 20 waiting, the rest of its mail goes back to the retry tiers at
     * once (4.4.5, nothing lost), and the healthy mail behind it goes now. Before, the tarpit's
     * records filled the hand and the relay read nothing more for anyone.
     */
    @Test
    @org.junit.jupiter.api.Order(3)
    void aBacklogLargerThanTheHandForASilentMxGoesBackToTheRetryTiersAndTheRestFlows() throws Exception {
        String bootstrap = ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
        long fastBefore = fastMessages();
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all"),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 300; i++) {
                p.send(MailRecords.record(Topics.RELAY, "flood.test", toDomain("flood-" + i, "flood.test", "127.0.0.31"),
                        ("Subject: flood " + i + "\r\n\r\nx\r\n").getBytes(StandardCharsets.UTF_8)));
            }
            p.flush();
            for (int i = 0; i < 5; i++) {
                p.send(MailRecords.record(Topics.RELAY, "fast.test", toDomain("fast-after-flood-" + i, "fast.test", "127.0.0.32"),
                        ("Subject: fast after flood " + i + "\r\n\r\nx\r\n").getBytes(StandardCharsets.UTF_8)));
            }
            p.flush();
        }
        // The flood fills the hand while the site is new; once it has been stuck for ten seconds it
        // is trimmed to its window and 20 waiting, and the relay reads on.
        await().atMost(Duration.ofSeconds(40)).until(() -> fastMessages() == fastBefore + 5);
        await().atMost(Duration.ofSeconds(30)).until(() -> deferredFlood(bootstrap).size() >= 250);
        List<Envelope> deferred = deferredFlood(bootstrap);
        assertTrue(deferred.stream().allMatch(e -> e.text(Envelope.LAST_DEFERRAL).orElse("").matches(
                ".*(already wait for site|which does not keep pace).*")),
                deferred.get(0).text(Envelope.LAST_DEFERRAL).orElse("none"));
        assertTrue(deferred.size() <= 300 - 20, "the window and the waiting stay: " + deferred.size());
    }

    private static List<Envelope> deferredFlood(String bootstrap) {
        return dev.mailpipe.peers.TopicReader.readCommitted(bootstrap, Topics.RETRY_PREFIX + "1").stream()
                .filter(r -> "flood.test".equals(r.key())).map(MailRecords::envelope).toList();
    }

    private static long fastMessages() throws Exception {
        return SlowAndFastPeers.fast.messages().stream().filter(f -> {
            try {
                return Files.readString(f).contains("Subject: fast ");
            } catch (Exception e) {
                return false;
            }
        }).count();
    }
}
