package dev.mailpipe.queue;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.kafka.LocalKafkaResource;
import dev.mailpipe.model.MailEvent;
import dev.mailpipe.model.RecordHeaders;
import dev.mailpipe.model.Topics;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Trace finds one message among a million events on mail.events, by queue id or Message-ID, and
 * answers within a second: it reads that message's four events, not the topic.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@Tag("service")
class TraceTest {
    private static final int EVENTS = 1_000_000;

    @Inject
    TraceIndex index;

    private static String bootstrap() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    private static ProducerRecord<String, byte[]> event(MailEvent e) {
        return new ProducerRecord<>(Topics.EVENTS, e.messageId(), e.toJson());
    }

    @Test
    void findsAMessageAmongAMillionEventsWithinASecond() throws Exception {
        String target = "t-" + UUID.randomUUID();
        List<MailEvent> history = List.of(
                MailEvent.of(target, "smtp-ingress", "received", null, "from 127.0.0.1").with("messageId", "<target@client.test>")
                        .with("recipients", List.of("r@remote.test")),
                MailEvent.of(target, "routing-service", "routed", "remote.test", "relay via [mx.remote.test]"),
                MailEvent.of(target, "relay-service", "deferred", "r@remote.test", "451 4.3.0 busy").with("tier", "1"),
                MailEvent.of(target, "relay-service", "relayed", "r@remote.test", "250 2.0.0 ok").with("remoteHost", "mx.remote.test"));
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024, ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4", ProducerConfig.ACKS_CONFIG, "1");
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < EVENTS; i++) {
                if (i % (EVENTS / history.size()) == 0 && i / (EVENTS / history.size()) < history.size()) {
                    ProducerRecord<String, byte[]> mine = event(history.get(i / (EVENTS / history.size())));
                    if (i == 0) {
                        mine.headers().add(RecordHeaders.MESSAGE_ID, "<target@client.test>".getBytes(StandardCharsets.UTF_8));
                    }
                    p.send(mine);
                } else {
                    p.send(event(MailEvent.of("m-" + i, "delivery-service", "delivered", "u" + (i % 50) + "@example.test",
                            i + ".Mabc.mailpipe,S=2048")));
                }
            }
            p.flush();
        }
        await().atMost(Duration.ofMinutes(3)).until(() -> index.size() >= EVENTS);

        var admin = given().auth().preemptive().basic("admin", "test-admin-secret");
        admin.accept("application/json").get("/api/trace/" + target).then().statusCode(200); // warm: the first call loads classes
        long started = System.nanoTime();
        JsonPath trace = given().auth().preemptive().basic("admin", "test-admin-secret").accept("application/json")
                .get("/api/trace/" + target).then().statusCode(200).extract().jsonPath();
        long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();
        assertTrue(millis < 1000, "a trace among " + EVENTS + " events took " + millis + " ms");
        assertEquals(List.of("received", "routed", "deferred", "relayed"), trace.getList("events.type"),
                "every event of the message, in order, and no other message's");
        assertEquals("mx.remote.test", trace.getString("events[3].remoteHost"));

        given().auth().preemptive().basic("admin", "test-admin-secret").accept("application/json")
                .get("/api/trace/<target@client.test>").then().statusCode(200).body("id", equalTo(target));
        given().auth().preemptive().basic("admin", "test-admin-secret").accept("text/plain")
                .get("/api/trace/target@client.test").then().statusCode(200)
                .body(containsString("relayed")).body(containsString("remoteHost=mx.remote.test"))
                .body(containsString("r@remote.test: relayed at"));
        given().auth().preemptive().basic("admin", "test-admin-secret").accept("application/json")
                .get("/api/trace/no-such-message").then().statusCode(404).body("error", containsString("no events for no-such-message"));
        given().get("/api/trace/" + target).then().statusCode(401);
    }
}
