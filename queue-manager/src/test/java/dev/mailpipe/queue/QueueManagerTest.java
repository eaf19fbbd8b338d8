package dev.mailpipe.queue;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.kafka.LocalKafkaResource;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.Route;
import dev.mailpipe.model.Topics;
import dev.mailpipe.peers.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The queue manager against a real broker: what falls due goes on once, what outlived the queue
 * bounces, and the queue commands over HTTP (list, flush, drop) for the administrator only.
 * Test delays: mail.retry.1 waits 1 s, the queue lifetime is 1 h.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@Tag("service")
class QueueManagerTest {

    private static String bootstrap() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    private static RequestSpecification admin() {
        return given().auth().preemptive().basic("admin", "test-admin-secret");
    }

    /** A message deferred once to {@code rcpt}, due at {@code due}, with a fresh route to its domain. */
    private static Envelope deferred(String id, String rcpt, Instant received, Instant due) {
        String domain = rcpt.substring(rcpt.indexOf('@') + 1);
        Route route = new Route(domain, List.of(new Route.MxHost("mx." + domain, 10, List.of("127.0.0.2"))),
                Instant.now().plusSeconds(3600));
        return Envelope.received(id, received, new Envelope.Client("127.0.0.1", "c.test", false, null), "sender@client.test",
                List.of(Recipient.of(rcpt)), 10).withRoute(route).withAttempt(1, received, due)
                .withText(Envelope.LAST_DEFERRAL, "451 4.3.0 try later");
    }

    private static void defer(Envelope e) throws Exception {
        String key = e.recipients().get(0).address().replaceFirst(".*@", "");
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap()),
                new StringSerializer(), new ByteArraySerializer())) {
            p.send(MailRecords.record(Topics.RETRY_PREFIX + "1", key, e, ("Subject: " + e.id() + "\r\n\r\nbody\r\n")
                    .getBytes(StandardCharsets.UTF_8))).get();
        }
    }

    private static long copies(String topic, String id) {
        return TopicReader.readCommitted(bootstrap(), topic).stream().filter(r -> mentions(r, id)).count();
    }

    private static boolean mentions(ConsumerRecord<String, byte[]> r, String id) {
        String value = r.value() == null ? "" : new String(r.value(), StandardCharsets.UTF_8);
        return id.equals(r.key()) || value.contains(id)
                || MailRecords.text(r.headers(), dev.mailpipe.model.RecordHeaders.ENVELOPE).orElse("").contains(id);
    }

    private static String id() {
        return "q-" + UUID.randomUUID();
    }

    @Test
    void dueMailGoesBackToTheRelayOnceAndStaysGone() throws Exception {
        String id = id();
        defer(deferred(id, "a@due.test", Instant.now(), Instant.now().plusSeconds(1)));
        await().atMost(Duration.ofSeconds(30)).until(() -> copies(Topics.RELAY, id) == 1);
        Thread.sleep(2000); // a second release would show by now
        assertEquals(1, copies(Topics.RELAY, id), "released exactly once: forward and offset in one transaction");
        admin().accept("application/json").get("/api/queue").then().statusCode(200).body("id", not(hasItem(id)));
    }

    /**
     * The stages write the tiers in transactions, so a commit marker follows each batch. Once the
     * record is released the group's offset is past the marker: lag 0 as Kafka, KEDA and the lag
     * collector count it, not a phantom 1.
     */
    @Test
    void aReleasedTierCommitsPastTheTransactionMarker() throws Exception {
        String id = id();
        Envelope e = deferred(id, "a@marker.test", Instant.now(), Instant.now());
        org.apache.kafka.clients.producer.RecordMetadata written;
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap(),
                "transactional.id", "test-" + id), new StringSerializer(), new ByteArraySerializer())) {
            p.initTransactions();
            p.beginTransaction();
            written = p.send(MailRecords.record(Topics.RETRY_PREFIX + "1", "marker.test", e,
                    "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8))).get();
            p.commitTransaction();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> copies(Topics.RELAY, id) == 1);
        var tp = new org.apache.kafka.common.TopicPartition(written.topic(), written.partition());
        try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", bootstrap()))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                var committed = admin.listConsumerGroupOffsets("queue-manager").partitionsToOffsetAndMetadata().get().get(tp);
                return committed != null && committed.offset() > written.offset() + 1;
            });
        }
    }

    @Test
    void mailOlderThanTheQueueLifetimeBouncesInsteadOfGoingOn() throws Exception {
        String id = id();
        defer(deferred(id, "a@expired.test", Instant.now().minus(Duration.ofHours(2)), Instant.now()));
        await().atMost(Duration.ofSeconds(30)).until(() -> TopicReader.readCommitted(bootstrap(), Topics.NOTICES).stream()
                .anyMatch(r -> mentions(r, id) && new String(r.value(), StandardCharsets.UTF_8).contains("Status: 4.4.7")));
        assertEquals(0, copies(Topics.RELAY, id), "an expired message is not tried again");
    }

    @Test
    void listFlushAndDropOverHttp() throws Exception {
        String later = id();
        String dropped = id();
        Instant inAnHour = Instant.now().plusSeconds(3600);
        defer(deferred(later, "b@later.test", Instant.now(), inAnHour));
        defer(deferred(dropped, "c@stuck.test", Instant.now(), inAnHour));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> admin().accept("application/json").get("/api/queue")
                .then().statusCode(200).body("id", hasItem(later)).body("id", hasItem(dropped)));
        admin().accept("text/plain").get("/api/queue").then().statusCode(200)
                .body(containsString("later.test: 1 message(s), 1 recipient(s)")).body(containsString("(451 4.3.0 try later)"));

        admin().post("/api/queue/flush/nothing-here.test").then().statusCode(404)
                .body("error", equalTo("no deferred mail for nothing-here.test"));
        admin().post("/api/queue/flush/later.test").then().statusCode(200).body("flushed", equalTo(1))
                .body("messages[0].id", equalTo(later));
        await().atMost(Duration.ofSeconds(30)).until(() -> copies(Topics.RELAY, later) == 1);
        assertEquals(0, copies(Topics.RELAY, dropped), "a flush for one domain leaves the others waiting");
        admin().accept("application/json").get("/api/queue").then().body("id", not(hasItem(later))).body("id", hasItem(dropped));

        admin().delete("/api/queue/" + dropped).then().statusCode(200).body("dropped", equalTo(1));
        admin().delete("/api/queue/" + dropped).then().statusCode(404).body("error", equalTo("no message " + dropped + " in the queue"));
        await().atMost(Duration.ofSeconds(30)).until(() -> TopicReader.readCommitted(bootstrap(), Topics.NOTICES).stream()
                .anyMatch(r -> mentions(r, dropped) && new String(r.value(), StandardCharsets.UTF_8).contains("removed from the queue")));
        assertTrue(TopicReader.readCommitted(bootstrap(), Topics.EVENTS).stream().anyMatch(r -> mentions(r, dropped)
                && new String(r.value(), StandardCharsets.UTF_8).contains("\"dropped\"")), "the drop is an event");
        assertEquals(0, copies(Topics.RELAY, dropped), "a dropped message is not sent");
        admin().accept("application/json").get("/api/queue").then().body("id", not(hasItem(dropped)));
        Thread.sleep(1500);
        assertEquals(1, copies(Topics.RELAY, later), "the flushed message went once, its rewrite did not send it again");
    }

    @Test
    void theQueueIsForTheAdministratorOnly() {
        given().get("/api/queue").then().statusCode(401);
        given().auth().preemptive().basic("admin", "wrong").post("/api/queue/flush").then().statusCode(401);
        given().auth().preemptive().basic("alice@example.test", "test-admin-secret").delete("/api/queue/x").then().statusCode(401);
    }

    @Test
    void deadLettersAreListedAndReplayedOnceOverHttp() throws Exception {
        String key = "dl-" + UUID.randomUUID();
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap()),
                new StringSerializer(), new ByteArraySerializer())) {
            var record = new org.apache.kafka.clients.producer.ProducerRecord<String, byte[]>(Topics.DEAD_LETTER, key,
                    "the message".getBytes(StandardCharsets.UTF_8));
            record.headers().add(dev.mailpipe.model.RecordHeaders.DEAD_LETTER_TOPIC, Topics.DELIVERY.getBytes(StandardCharsets.UTF_8));
            record.headers().add(dev.mailpipe.model.RecordHeaders.DEAD_LETTER_REASON, "disk on fire".getBytes(StandardCharsets.UTF_8));
            p.send(record).get();
        }
        admin().accept("application/json").get("/api/dead-letters").then().statusCode(200)
                .body(containsString(key)).body(containsString("disk on fire"));
        admin().accept("text/plain").get("/api/dead-letters").then().statusCode(200).body(containsString("disk on fire"));
        admin().post("/api/dead-letters/replay/" + key).then().statusCode(200).body(containsString("to mail.delivery"));
        await().atMost(Duration.ofSeconds(30)).until(() -> copies(Topics.DELIVERY, key) == 1);
        admin().post("/api/dead-letters/replay/" + key).then().statusCode(404)
                .body("error", containsString("no dead letter with key " + key));
        assertEquals(1, copies(Topics.DELIVERY, key), "replayed once");
        given().post("/api/dead-letters/replay").then().statusCode(401);
    }

    @Test
    void suppressedRecipientsAreListedAndLiftedOverHttp() throws Exception {
        Instant now = Instant.now();
        dev.mailpipe.model.Suppression s = new dev.mailpipe.model.Suppression("gone@remote.test", "5.1.1",
                "smtp; 550 5.1.1 no such user", "mx.remote.test", now, now.plus(Duration.ofDays(30)));
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap()),
                new StringSerializer(), new ByteArraySerializer())) {
            p.send(dev.mailpipe.runtime.SuppressionList.record(s)).get();
        }
        admin().accept("application/json").get("/api/suppression").then().statusCode(200)
                .body("address", hasItem("gone@remote.test")).body("diagnostic", hasItem("smtp; 550 5.1.1 no such user"));
        admin().accept("text/plain").get("/api/suppression").then().statusCode(200).body(containsString("gone@remote.test"));
        admin().delete("/api/suppression/not-an-address").then().statusCode(400);
        admin().delete("/api/suppression/Gone@remote.test").then().statusCode(200).body(containsString("lifted"));
        admin().delete("/api/suppression/gone@remote.test").then().statusCode(404).body("error", containsString("is not suppressed"));
        admin().accept("application/json").get("/api/suppression").then().body("address", not(hasItem("gone@remote.test")));
        given().get("/api/suppression").then().statusCode(401);
    }

    @Test
    void theOperatorSuspendsBouncesAndResumesADestinationOverHttp() {
        String reason = admin().queryParam("for", "30m").queryParam("reason", "migrating\r\nInjected: their MX")
                .post("/api/destinations/Example.ORG/suspend").then().statusCode(200)
                .body("destination", org.hamcrest.Matchers.equalTo("example.org")).body("action", org.hamcrest.Matchers.equalTo("suspend"))
                .extract().path("reason");
        assertTrue(reason.startsWith("migrating") && reason.endsWith("Injected: their MX") && !reason.contains("\n"),
                "the operator's words on one clean line: " + reason);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> admin().accept("application/json").get("/api/destinations").then()
                .body("destination", hasItem("example.org")));
        admin().post("/api/destinations/example.org/suspend?for=forever").then().statusCode(400);
        admin().post("/api/destinations/bad%20name/suspend").then().statusCode(400);
        admin().post("/api/destinations/nomail.test/bounce").then().statusCode(400).body("error", containsString("needs a reason"));
        admin().queryParam("reason", "abuse desk asked").post("/api/destinations/*.google.com/bounce").then().statusCode(200)
                .body("action", org.hamcrest.Matchers.equalTo("bounce"));
        admin().delete("/api/destinations/example.org").then().statusCode(200);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> admin().delete("/api/destinations/example.org").then().statusCode(404));
        given().get("/api/destinations").then().statusCode(401);
    }
}
