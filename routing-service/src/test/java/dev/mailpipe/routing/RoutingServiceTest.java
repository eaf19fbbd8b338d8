package dev.mailpipe.routing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mailpipe.model.MailRecords;
import dev.mailpipe.kafka.LocalKafkaResource;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.RecordHeaders;
import dev.mailpipe.model.Topics;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
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
import org.junit.jupiter.api.Test;

/** The routing stage against a real broker: bad records go to the dead-letter topic and the stage goes on. */
@QuarkusTest
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
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
                .anyMatch(r -> "bob@example.test".equals(r.key())
                        && MailRecords.envelope(r).id().equals(good)));
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        return MailRecords.text(r.headers(), name).orElseThrow();
    }

    private static List<ConsumerRecord<String, byte[]>> read(String topic) {
        return dev.mailpipe.peers.TopicReader.readCommitted(bootstrap(), topic);
    }
}
