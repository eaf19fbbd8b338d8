package dev.mailpipe.filter;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailpipe.kafka.LocalKafkaResource;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.RecordHeaders;
import dev.mailpipe.model.Topics;
import dev.mailpipe.peers.Clamd;
import dev.mailpipe.peers.ScannerPeers;
import dev.mailpipe.peers.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The scan after the queue against a real broker and Debian's rspamd (its antivirus module asking
 * Debian's clamd): what the ingress put on {@code mail.scan} goes on to {@code mail.inbound} with
 * the verdict, spam rspamd would refuse is quarantined for the Junk folder, a virus is dropped with
 * an event and never bounced, and a record without an envelope is a dead letter.
 */
@QuarkusTest
@Tag("service")
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = ScannerPeers.class, restrictToAnnotatedClass = true,
        initArgs = @ResourceArg(name = "url-property", value = "mailpipe.filter.rspamd-url"))
class ContentFilterServiceTest {
    private static final String GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String bootstrap() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    /**
     * A message as the ingress queues it for a scan after the queue, from an untrusted client unless
     * {@code trusted}; {@code rest} is more header fields, an empty line, and the body.
     */
    private static String queue(boolean trusted, String subject, String... rest) throws Exception {
        String id = "q" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        String text = "Received: from client.test ([198.51.100.7]) by mx.example.test with ESMTP id " + id + "\r\n"
                + "From: Someone <someone@remote.test>\r\nTo: alice@example.test\r\nSubject: " + subject + "\r\n"
                + "Message-ID: <" + id + "@remote.test>\r\n" + String.join("\r\n", rest) + "\r\n";
        Envelope e = Envelope.received(id, Instant.now(), new Envelope.Client("198.51.100.7", "client.test", false, null),
                "someone@remote.test", List.of(Recipient.of("alice@example.test")), text.length());
        send(MailRecords.record(Topics.SCAN, id, trusted ? e.withTrustedOrigin() : e, text.getBytes(StandardCharsets.UTF_8)));
        return id;
    }

    private static void send(ProducerRecord<String, byte[]> record) throws Exception {
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap()),
                new StringSerializer(), new ByteArraySerializer())) {
            p.send(record).get();
        }
    }

    private static Optional<ConsumerRecord<String, byte[]>> inbound(String id) {
        return TopicReader.readCommitted(bootstrap(), Topics.INBOUND).stream().filter(r -> id.equals(r.key())).findFirst();
    }

    private static List<JsonNode> events(String id) {
        return TopicReader.readCommitted(bootstrap(), Topics.EVENTS).stream().map(r -> {
            try {
                return JSON.readTree(r.value());
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }).filter(n -> id.equals(n.path("id").asText())).toList();
    }

    private static ConsumerRecord<String, byte[]> passedOn(String id) {
        await().atMost(Duration.ofSeconds(60)).until(() -> inbound(id).isPresent());
        return inbound(id).orElseThrow();
    }

    private static JsonNode event(String id, String type) {
        await().atMost(Duration.ofSeconds(60)).until(() -> events(id).stream().anyMatch(n -> type.equals(n.path("type").asText())));
        return events(id).stream().filter(n -> type.equals(n.path("type").asText())).findFirst().orElseThrow();
    }

    @Test
    void cleanMailGoesOnWithItsVerdictAndNothingAdded() throws Exception {
        String id = queue(false, "lunch on friday", "", "See you at noon.");
        ConsumerRecord<String, byte[]> r = passedOn(id);
        Envelope e = MailRecords.envelope(r);
        assertFalse(e.junk());
        assertTrue(e.contentScan().orElseThrow().startsWith("rspamd: no action"), e.contentScan().orElseThrow());
        String text = new String(r.value(), StandardCharsets.UTF_8);
        assertTrue(text.startsWith("Received: from client.test"), text);
        assertFalse(text.contains("X-Spam:"), text);
        assertEquals("false", event(id, "scanned").path("junk").asText());
    }

    @Test
    void spamThatScoresForAHeaderIsTaggedForTheJunkFolder() throws Exception {
        String id = queue(false, "junk-me please", "", "cheap watches");
        ConsumerRecord<String, byte[]> r = passedOn(id);
        String text = new String(r.value(), StandardCharsets.UTF_8);
        assertTrue(MailRecords.envelope(r).junk(), text);
        assertTrue(MailRecords.envelope(r).contentScan().orElseThrow().contains("MAILPIPE_TEST_JUNK"));
        assertTrue(text.startsWith("X-Spam: Yes\r\n"), text);
        assertTrue(text.indexOf("X-Spam: Yes") < text.indexOf("Received: from client.test"), "on top of the trace field");
    }

    @Test
    void gtubeFromAStrangerIsQuarantinedNotRefusedNorBounced() throws Exception {
        String id = queue(false, "hi", "", GTUBE);
        ConsumerRecord<String, byte[]> r = passedOn(id);
        Envelope e = MailRecords.envelope(r);
        assertTrue(e.junk(), "delivered into the Junk folder");
        assertEquals(List.of("alice@example.test"), e.recipients().stream().map(Recipient::address).toList());
        String text = new String(r.value(), StandardCharsets.UTF_8);
        assertTrue(text.startsWith("X-Spam: Yes\r\nX-Mailpipe-Quarantine: Gtube pattern\r\n"), text);
        assertEquals(1, TopicReader.readCommitted(bootstrap(), Topics.INBOUND).stream()
                .filter(x -> MailRecords.envelope(x).id().equals(id) || new String(x.value(), StandardCharsets.UTF_8).contains(id))
                .count(), "no bounce beside it");
    }

    @Test
    void aVirusIsDroppedWithAnEventAndNoBounce() throws Exception {
        String id = queue(false, "the file", "MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=\"b\"", "", "--b",
                "Content-Type: text/plain", "", "attached", "--b", "Content-Type: application/octet-stream",
                "Content-Disposition: attachment; filename=\"eicar.com\"", "Content-Transfer-Encoding: base64", "",
                Base64.getEncoder().encodeToString(Clamd.EICAR.getBytes(StandardCharsets.US_ASCII)), "--b--");
        JsonNode filtered = event(id, "filtered");
        assertTrue(filtered.path("detail").asText().startsWith("virus found: Eicar-Test-Signature"), filtered.toString());
        assertEquals("content-filter", filtered.path("stage").asText());
        Thread.sleep(1000);
        assertTrue(TopicReader.readCommitted(bootstrap(), Topics.INBOUND).stream()
                .noneMatch(x -> new String(x.value(), StandardCharsets.UTF_8).contains(id)), "neither passed on nor bounced");
    }

    @Test
    void gtubeFromATrustedSenderIsDroppedNotQuarantined() throws Exception {
        String id = queue(true, "hi", "", GTUBE);
        assertTrue(event(id, "filtered").path("detail").asText().startsWith("spam: Gtube pattern"));
        assertTrue(inbound(id).isEmpty());
    }

    @Test
    void aRecordWithoutAnEnvelopeIsADeadLetterAndTheStageGoesOn() throws Exception {
        String bad = "bad-" + UUID.randomUUID();
        send(new ProducerRecord<>(Topics.SCAN, bad, "x".getBytes(StandardCharsets.US_ASCII)));
        String good = queue(false, "after the bad one", "", "fine");
        await().atMost(Duration.ofSeconds(60)).until(() -> TopicReader.readCommitted(bootstrap(), Topics.DEAD_LETTER).stream()
                .anyMatch(r -> bad.equals(r.key())));
        ConsumerRecord<String, byte[]> dead = TopicReader.readCommitted(bootstrap(), Topics.DEAD_LETTER).stream()
                .filter(r -> bad.equals(r.key())).findFirst().orElseThrow();
        assertEquals("content-filter", MailRecords.text(dead.headers(), RecordHeaders.DEAD_LETTER_STAGE).orElseThrow());
        passedOn(good);
    }
}
