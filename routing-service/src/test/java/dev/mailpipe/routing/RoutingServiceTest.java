package dev.mailpipe.routing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.kafka.LocalKafkaResource;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.RecordHeaders;
import dev.mailpipe.model.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The routing stage against a real broker: bad records go to the dead-letter topic and the stage goes on. */
@QuarkusTest
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@Tag("service")
class RoutingServiceTest {

    private static String bootstrap() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    @Test
    void unreadableRecordsAreDeadLetteredAndGoodOnesStillRouted() throws Exception {
        String bad = "bad-" + UUID.randomUUID();
        String good = "good-" + UUID.randomUUID();
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap()),
                new StringSerializer(), new ByteArraySerializer())) {
            ProducerRecord<String, byte[]> noEnvelope = new ProducerRecord<>(Topics.INBOUND, bad, bad.getBytes(StandardCharsets.UTF_8));
            p.send(noEnvelope).get();
            ProducerRecord<String, byte[]> garbage = new ProducerRecord<>(Topics.INBOUND, bad, bad.getBytes(StandardCharsets.UTF_8));
            garbage.headers().add(new RecordHeader(RecordHeaders.ENVELOPE, "{not json".getBytes(StandardCharsets.UTF_8)));
            p.send(garbage).get();
            Envelope e = Envelope.received(good, Instant.now(), new Envelope.Client("127.0.0.1", "t", false, null),
                    "s@y.test", List.of(Recipient.of("bob+x@example.test")), 10);
            ProducerRecord<String, byte[]> fine = MailRecords.record(Topics.INBOUND, good, e,
                    "Subject: ok\r\n\r\nx\r\n".getBytes(StandardCharsets.UTF_8));
            p.send(fine).get();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> read(Topics.DEAD_LETTER).stream().filter(r -> bad.equals(r.key())).count() == 2);
        List<ConsumerRecord<String, byte[]>> dead = read(Topics.DEAD_LETTER).stream().filter(r -> bad.equals(r.key())).toList();
        assertEquals("routing-service", header(dead.get(0), RecordHeaders.DEAD_LETTER_STAGE));
        assertEquals(Topics.INBOUND, header(dead.get(0), RecordHeaders.DEAD_LETTER_TOPIC));
        assertEquals("record has no mailpipe-envelope header", header(dead.get(0), RecordHeaders.DEAD_LETTER_REASON));
        await().atMost(Duration.ofSeconds(30)).until(() -> read(Topics.DELIVERY).stream()
                .anyMatch(r -> good.equals(r.key()) && MailRecords.envelope(r).id().equals(good)
                        && MailRecords.envelope(r).recipients().get(0).mailbox().orElse("").equals("bob@example.test")));
    }

    /** mail.relay is keyed by the route's site, which travels in the envelope: the relay's window for it is one replica's. */
    @Test
    void remoteMailIsKeyedByItsSite() throws Exception {
        String id = "site-" + UUID.randomUUID();
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap()),
                new StringSerializer(), new ByteArraySerializer())) {
            Envelope e = Envelope.received(id, Instant.now(), new Envelope.Client("127.0.0.1", "t", true, "alice@example.test"),
                    "alice@example.test", List.of(Recipient.of("someone@[127.0.0.9]")), 10).withTrustedOrigin();
            p.send(MailRecords.record(Topics.INBOUND, id, e, "Subject: out\r\n\r\nx\r\n".getBytes(StandardCharsets.UTF_8))).get();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> read(Topics.RELAY).stream().anyMatch(r -> MailRecords.envelope(r).id().equals(id)));
        ConsumerRecord<String, byte[]> relay = read(Topics.RELAY).stream().filter(r -> MailRecords.envelope(r).id().equals(id))
                .findFirst().orElseThrow();
        assertEquals("127.0.0.9", relay.key());
        assertEquals(relay.key(), MailRecords.envelope(relay).route().orElseThrow().site());
        assertEquals("[127.0.0.9]", MailRecords.envelope(relay).route().orElseThrow().domain());
    }

    /**
     * A bounce on mail.notices is routed by the notices loop, in its own group: routed while a
     * backlog of user mail would wait in mail.inbound's group, and committed where KEDA and
     * ./mailpipe status count the notices' lag.
     */
    @Test
    void aNoticeIsRoutedFromItsOwnTopicInItsOwnGroup() throws Exception {
        String id = "notice-" + UUID.randomUUID();
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap()),
                new StringSerializer(), new ByteArraySerializer())) {
            Envelope e = Envelope.received(id, Instant.now(), new Envelope.Client("127.0.0.1", "t", true, null),
                    "", List.of(Recipient.of("bob@example.test")), 10).withTrustedOrigin();
            p.send(MailRecords.record(Topics.NOTICES, id, e, "Subject: Undelivered Mail\r\n\r\nx\r\n"
                    .getBytes(StandardCharsets.UTF_8))).get();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> copies(id) == 1);
        try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", bootstrap()))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> admin.listConsumerGroupOffsets(config.notices().group())
                    .partitionsToOffsetAndMetadata().get().keySet().stream().anyMatch(tp -> tp.topic().equals(Topics.NOTICES)));
        }
        assertEquals("routing-notices", config.notices().group());
    }

    @Inject
    RoutingConfig config;

    @Inject
    @Readiness
    dev.mailpipe.runtime.StageReadiness readiness;

    @Inject
    MeterRegistry registry;

    /**
     * A zombie: another producer takes the stage's transactional id, as a replica restarted
     * elsewhere would. The stage's transaction is fenced and aborted, it opens its clients again
     * (fencing the zombie in turn) and routes the message, once.
     */
    @Test
    void aFencedTransactionIsAbortedAndItsBatchRoutedOnceAfterwards() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> readiness.call().getStatus() == HealthCheckResponse.Status.UP);
        double abortedBefore = registry.get("mailpipe.routing.transactions.aborted").counter().count();
        try (KafkaProducer<String, byte[]> zombie = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap(),
                "transactional.id", config.transactionalId()), new StringSerializer(), new ByteArraySerializer())) {
            zombie.initTransactions();
        }
        String id = "fenced-" + UUID.randomUUID();
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap()),
                new StringSerializer(), new ByteArraySerializer())) {
            Envelope e = Envelope.received(id, Instant.now(), new Envelope.Client("127.0.0.1", "t", false, null),
                    "s@y.test", List.of(Recipient.of("bob@example.test")), 10);
            p.send(MailRecords.record(Topics.INBOUND, id, e, "Subject: ok\r\n\r\nx\r\n".getBytes(StandardCharsets.UTF_8))).get();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> copies(id) >= 1);
        assertTrue(registry.get("mailpipe.routing.transactions.aborted").counter().count() > abortedBefore,
                "the fenced transaction was aborted");
        Thread.sleep(2000); // time for a second copy, were the batch committed twice
        assertEquals(1, copies(id), "routed once");
        assertEquals(HealthCheckResponse.Status.UP, readiness.call().getStatus());
    }

    private static long copies(String id) {
        return read(Topics.DELIVERY).stream().filter(r -> MailRecords.envelope(r).id().equals(id)).count();
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        return MailRecords.text(r.headers(), name).orElseThrow();
    }

    private static List<ConsumerRecord<String, byte[]>> read(String topic) {
        return dev.mailpipe.peers.TopicReader.readCommitted(bootstrap(), topic);
    }
}
