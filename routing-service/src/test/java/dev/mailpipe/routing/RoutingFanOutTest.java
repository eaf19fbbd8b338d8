package dev.mailpipe.routing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mailpipe.kafka.LocalKafkaResource;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.Topics;
import dev.mailpipe.peers.TopicReader;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A backlog of messages with many local recipients each. Each message crosses {@code mail.delivery}
 * once, in one record naming every mailbox, not once per mailbox; its events are still one per
 * mailbox, so one routing transaction sends far more records than the producer has in flight at
 * once. Every copy must arrive, none twice (the transaction once failed on every such batch and read
 * it again without end).
 */
@QuarkusTest
@TestProfile(RoutingFanOutTest.HundredMailboxes.class)
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@Tag("service")
class RoutingFanOutTest {
    static final int MAILBOXES = 100;
    static final int MESSAGES = 200;

    public static class HundredMailboxes implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mailpipe.local.mailboxes", IntStream.range(0, MAILBOXES)
                    .mapToObj(i -> "fan" + i + "@example.test").collect(Collectors.joining(",")));
        }
    }

    @Inject
    MeterRegistry registry;

    @Test
    void everyCopyOfABacklogWithLargeFanOutIsRoutedOnce() {
        String bootstrap = ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<Recipient> recipients = IntStream.range(0, MAILBOXES).mapToObj(i -> Recipient.of("fan" + i + "@example.test")).toList();
        byte[] body = "Subject: fan-out\r\n\r\nx\r\n".getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "linger.ms", 20),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int m = 0; m < MESSAGES; m++) {
                String id = run + "-" + m;
                Envelope e = Envelope.received(id, Instant.now(), new Envelope.Client("127.0.0.1", "t", false, null),
                        "s@y.test", recipients, body.length);
                p.send(MailRecords.record(Topics.INBOUND, id, e, body));
            }
        }
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2))
                .until(() -> ours(bootstrap, run).size() >= MESSAGES);
        List<Envelope> routed = ours(bootstrap, run);
        assertEquals(MESSAGES, routed.size(), "each message once on mail.delivery, whatever its fan-out");
        List<String> everyMailbox = recipients.stream().map(Recipient::address).toList();
        for (Envelope e : routed) {
            assertEquals(everyMailbox, e.recipients().stream().map(r -> r.mailbox().orElseThrow()).toList(),
                    "each record names every mailbox once: " + e.id());
        }
        assertEquals((long) MESSAGES * MAILBOXES, TopicReader.readCommitted(bootstrap, Topics.EVENTS).stream()
                .filter(r -> r.key() != null && r.key().startsWith(run)).count(), "a routed event per copy");
        assertEquals(0.0, registry.get("mailpipe.routing.transactions.aborted").counter().count(),
                "no transaction aborted: a large batch fits in one");
    }

    private static List<Envelope> ours(String bootstrap, String run) {
        return TopicReader.readCommitted(bootstrap, Topics.DELIVERY).stream().map(MailRecords::envelope)
                .filter(e -> e.id().startsWith(run)).toList();
    }
}
