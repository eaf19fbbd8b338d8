package dev.mailpipe.relay;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailpipe.kafka.LocalKafkaResource;
import dev.mailpipe.model.DestinationAction;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.Route;
import dev.mailpipe.model.Topics;
import dev.mailpipe.peers.TopicReader;
import dev.mailpipe.runtime.DestinationActions;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The operator's word on a destination, through {@code mail.destinations}: a suspended domain's mail
 * is deferred without a connection, a bounced site's mail returns to its senders with the reason,
 * and once resumed mail flows again to the same healthy MX.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = SlowAndFastPeers.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = OperatorActionsTest.HoldBeforeStart.class, restrictToAnnotatedClass = true)
@Tag("service")
class OperatorActionsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    RelayService relay;

    private static String bootstrap() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    private static void send(ProducerRecord<String, byte[]> record) throws Exception {
        send(bootstrap(), record);
    }

    private static void send(String bootstrap, ProducerRecord<String, byte[]> record) throws Exception {
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all"),
                new StringSerializer(), new ByteArraySerializer())) {
            p.send(record).get();
        }
    }

    private static void mail(String id, String domain) throws Exception {
        send(mailRecord(id, domain));
    }

    private static ProducerRecord<String, byte[]> mailRecord(String id, String domain) {
        Route route = new Route(domain, List.of(new Route.MxHost("mx.fast.test", 10, List.of("127.0.0.32"))), null);
        Envelope e = Envelope.received(id, Instant.now(), new Envelope.Client("127.0.0.1", "t", false, null), "s@y.test",
                List.of(Recipient.of("rcpt@" + domain)), 40).withRoute(route);
        return MailRecords.record(Topics.RELAY, route.site(), e, ("Subject: " + id + "\r\n\r\nx\r\n").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Before the relay starts: the operator suspends {@code waiting.test}, and a message to it is
     * already in {@code mail.relay}. The relay's first record must meet the hold, not race it.
     */
    public static class HoldBeforeStart implements QuarkusTestResourceLifecycleManager {
        private static final int BEFORE_THE_HOLD = 200_000;

        @Override
        public Map<String, String> start() {
            String bootstrap = LocalKafkaResource.lastStarted().bootstrapServers();
            Instant now = Instant.now();
            try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all",
                    "linger.ms", "20"), new StringSerializer(), new ByteArraySerializer())) {
                // A long topic to read first, as a busy operator leaves one: the relay's first record
                // comes long before the view could have read it, unless the relay waits for it.
                for (int i = 0; i < BEFORE_THE_HOLD; i++) {
                    p.send(DestinationActions.resume("resumed-" + i + ".test"));
                }
                p.flush();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            try {
                send(bootstrap, DestinationActions.record(new DestinationAction("waiting.test", DestinationAction.Kind.SUSPEND,
                        "held before the relay started", now, now.plus(Duration.ofHours(1)))));
                send(bootstrap, mailRecord("waiting-1", "waiting.test"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return Map.of();
        }

        @Override
        public void stop() {
        }

        @Override
        public int order() {
            return 1; // after the broker (LocalKafkaResource, order 0)
        }
    }

    private static JsonNode event(String id, String type) {
        await().atMost(Duration.ofSeconds(30)).until(() -> events(id, type).size() > 0);
        return events(id, type).get(0);
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

    private static boolean delivered(String id) throws Exception {
        return SlowAndFastPeers.fast.messages().stream().anyMatch(f -> {
            try {
                return Files.readString(f).contains("Subject: " + id);
            } catch (Exception x) {
                return false;
            }
        });
    }

    @Test
    void theFirstRecordAfterAStartMeetsAHoldWrittenBeforeIt() throws Exception {
        JsonNode deferred = event("waiting-1", "deferred");
        assertTrue(deferred.path("reason").asText().endsWith("held before the relay started"), deferred.toString());
        assertTrue(!delivered("waiting-1"), "no connection");
    }

    @Test
    void suspendedMailWaitsBouncedMailReturnsAndResumedMailFlows() throws Exception {
        Instant now = Instant.now();
        send(DestinationActions.record(new DestinationAction("held.test", DestinationAction.Kind.SUSPEND, "their MX moves tonight",
                now, now.plus(Duration.ofHours(1)))));
        send(DestinationActions.record(new DestinationAction("mx.fast.test", DestinationAction.Kind.BOUNCE, "the site asked us to stop",
                now, now.plus(Duration.ofHours(1)))));
        // Every replica follows the topic; the test goes on once this one has read both.
        await().atMost(Duration.ofSeconds(30)).until(() -> relay.holding("held.test", null).isPresent()
                && relay.holding("other.test", "mx.fast.test").isPresent());

        mail("held-1", "held.test");
        JsonNode deferred = event("held-1", "deferred");
        assertTrue(deferred.path("reason").asText().contains("held.test suspended by the operator until ")
                && deferred.path("reason").asText().endsWith("their MX moves tonight"), deferred.toString());
        mail("gone-1", "other.test");
        JsonNode bounced = event("gone-1", "bounced");
        assertEquals("5.0.0", bounced.path("status").asText());
        assertTrue(bounced.path("detail").asText().contains("mx.fast.test bounced by the operator"), bounced.toString());
        assertTrue(!delivered("held-1") && !delivered("gone-1"), "no connection for either");

        send(DestinationActions.resume("held.test"));
        send(DestinationActions.resume("mx.fast.test"));
        await().atMost(Duration.ofSeconds(30)).until(() -> relay.holding("held.test", null).isEmpty()
                && relay.holding("other.test", "mx.fast.test").isEmpty());
        mail("held-2", "held.test");
        await().atMost(Duration.ofSeconds(30)).until(() -> delivered("held-2"));
    }
}
