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
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The shaping file at work in the relay (SlowAndFastPeers writes it): 12 messages a minute for one
 * site hold at the sink while another site gets its mail at once, and an MX that answers
 * {@code 421 4.7.28} suspends its site after one connection while the rest flows, shows it in the
 * events and the held destinations, and is lifted by the operator's resume; a site's new
 * connections keep to their rate.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = SlowAndFastPeers.class, restrictToAnnotatedClass = true)
@Tag("service")
class ShapingServiceTest {
    private static void mail(KafkaProducer<String, byte[]> p, String id, String domain, String host, String address) {
        Route route = new Route(domain, List.of(new Route.MxHost(host, 10, List.of(address))), null);
        Envelope e = Envelope.received(id, Instant.now(), new Envelope.Client("127.0.0.1", "t", false, null), "s@y.test",
                List.of(Recipient.of("rcpt@" + domain)), 40).withRoute(route);
        p.send(MailRecords.record(Topics.RELAY, route.site(), e, ("Subject: " + id + "\r\n\r\nx\r\n").getBytes(StandardCharsets.UTF_8)));
    }

    private static KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of("bootstrap.servers", ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class),
                "acks", "all"), new StringSerializer(), new ByteArraySerializer());
    }

    private static long arrived(String prefix) throws Exception {
        return SlowAndFastPeers.fast.messages().stream().filter(f -> {
            try {
                return Files.readString(f).contains("Subject: " + prefix);
            } catch (Exception x) {
                return false;
            }
        }).count();
    }

    @Test
    void aSitesRateHoldsWhileAnotherSiteGetsItsMailAtOnce() throws Exception {
        try (KafkaProducer<String, byte[]> p = producer()) {
            for (int i = 0; i < 16; i++) {
                mail(p, "rated-" + i, "rated.test", "mx.rated.test", "127.0.0.32");
            }
            p.flush();
            for (int i = 0; i < 3; i++) {
                mail(p, "unrated-" + i, "fast.test", "mx.fast.test", "127.0.0.32");
            }
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> arrived("unrated-") == 3);
        await().atMost(Duration.ofSeconds(20)).until(() -> arrived("rated-") >= 12);
        long burstDone = System.nanoTime();
        Thread.sleep(4000);
        long seconds = (System.nanoTime() - burstDone) / 1_000_000_000L + 1;
        long rated = arrived("rated-");
        // A minute's 12 at once, then one every 5 s: never the 16 at once.
        assertTrue(rated <= 12 + seconds / 5 + 1, rated + " arrived " + seconds + " s after the first 12");
        await().atMost(Duration.ofSeconds(40)).until(() -> arrived("rated-") == 16);
    }

    @Test
    void a421RateLimitSuspendsItsSiteAfterOneConnectionAndTheRestFlows() throws Exception {
        int port = ConfigProvider.getConfig().getValue("mailpipe.relay.port", Integer.class);
        AtomicInteger connections = new AtomicInteger();
        try (ServerSocket limited = new ServerSocket(port, 50, InetAddress.getByName("127.0.0.33"))) {
            Thread t = new Thread(() -> {
                while (!limited.isClosed()) {
                    try (Socket s = limited.accept()) {
                        connections.incrementAndGet();
                        s.getOutputStream().write("421 4.7.28 [127.0.0.1] unusual rate of mail, slow down\r\n"
                                .getBytes(StandardCharsets.US_ASCII));
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            try (KafkaProducer<String, byte[]> p = producer()) {
                mail(p, "limited-0", "limited.test", "mx.limited.test", "127.0.0.33");
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> connections.get() == 1);
            Thread.sleep(1000);
            try (KafkaProducer<String, byte[]> p = producer()) {
                for (int i = 1; i < 4; i++) {
                    mail(p, "limited-" + i, "limited.test", "mx.limited.test", "127.0.0.33");
                }
                mail(p, "flowing-0", "fast.test", "mx.fast.test", "127.0.0.32");
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> arrived("flowing-0") == 1);
            Thread.sleep(2000);
            assertEquals(1, connections.get(), "suspended: no further connection to the site that asked");

            // Visible: a throttled event, and the site among the held destinations with the site's word.
            JsonNode throttled = events("limited-0", "throttled").get(0);
            assertEquals("mx.limited.test", throttled.path("site").asText());
            assertEquals("suspend", throttled.path("action").asText());
            assertTrue(throttled.path("reply").asText().contains("421 4.7.28 [127.0.0.1] unusual rate"), throttled.toString());
            DestinationAction held = held("mx.limited.test").orElseThrow();
            assertTrue(held.bySite() && held.kind() == DestinationAction.Kind.SUSPEND, held.toString());
            assertTrue(held.until().isAfter(Instant.now().plus(Duration.ofMinutes(9))), "for the throttle's 10 minutes");
            await().atMost(Duration.ofSeconds(20)).until(() -> events("limited-3", "deferred").size() == 1);
            assertTrue(events("limited-3", "deferred").get(0).path("reason").asText()
                    .contains("mx.limited.test suspended until"), events("limited-3", "deferred").toString());

            // The operator lifts it early: the next message is tried again.
            try (KafkaProducer<String, byte[]> p = producer()) {
                p.send(dev.mailpipe.runtime.DestinationActions.resume("mx.limited.test")).get();
            }
            Thread.sleep(11_000); // past the time an entry takes to come back before its absence means a resume
            try (KafkaProducer<String, byte[]> p = producer()) {
                mail(p, "limited-9", "limited.test", "mx.limited.test", "127.0.0.33");
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> connections.get() == 2);
        }
    }

    @Test
    void newConnectionsToASiteKeepToTheirRate() throws Exception {
        // mx.fresh.test: 4 new connections a minute and one message each: 4 at once, then one per 15 s.
        try (KafkaProducer<String, byte[]> p = producer()) {
            for (int i = 0; i < 6; i++) {
                mail(p, "fresh-" + i, "fresh.test", "mx.fresh.test", "127.0.0.32");
            }
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> arrived("fresh-") == 4);
        Thread.sleep(5000);
        assertTrue(arrived("fresh-") <= 5, "no fifth new connection at once: " + arrived("fresh-"));
        await().atMost(Duration.ofSeconds(40)).until(() -> arrived("fresh-") == 6);
    }

    private static List<JsonNode> events(String id, String type) {
        return TopicReader.readCommitted(ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class), Topics.EVENTS)
                .stream().map(r -> {
                    try {
                        return new ObjectMapper().readTree(r.value());
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException(e);
                    }
                }).filter(n -> n.path("id").asText().equals(id) && n.path("type").asText().equals(type)).toList();
    }

    private static java.util.Optional<DestinationAction> held(String destination) {
        DestinationAction last = null;
        for (var r : TopicReader.readCommitted(ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class),
                Topics.DESTINATIONS)) {
            if (destination.equals(r.key())) {
                last = r.value() == null ? null : DestinationAction.fromJson(r.value());
            }
        }
        return java.util.Optional.ofNullable(last);
    }
}
