package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.kafka.LocalKafkaResource;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.peers.Clamd;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every untrusted message through Debian's rspamd, whose antivirus module asks Debian's clamd:
 * GTUBE refused 550, the EICAR test file 554 naming it, spam tagged and marked for the Junk
 * folder, clean mail untouched, each verdict in the envelope.
 */
@QuarkusTest
@Tag("service")
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = dev.mailpipe.peers.ScannerPeers.class, restrictToAnnotatedClass = true)
class ContentFilterTest {
    private static final String GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

    @Inject
    SmtpIngress ingress;

    private String send(String... text) throws Exception {
        return UntrustedSender.send(ingress.port(), text);
    }

    private static String headers(String marker, String subject) {
        return UntrustedSender.headers(marker, subject);
    }

    private static ConsumerRecord<String, byte[]> queued(String marker) {
        List<ConsumerRecord<String, byte[]>> found = InboundTopic.containing(marker);
        assertEquals(1, found.size());
        return found.get(0);
    }

    @Test
    void gtubeIsRefusedWithRspamdsWords() throws Exception {
        String marker = "m-" + UUID.randomUUID();
        assertEquals("550 5.7.1 Gtube pattern", send(headers(marker, "hi"), "", GTUBE));
        assertTrue(InboundTopic.containing(marker).isEmpty());
    }

    @Test
    void theEicarTestFileIsRefusedNamingTheVirus() throws Exception {
        String marker = "m-" + UUID.randomUUID();
        String reply = send(headers(marker, "the file"), "MIME-Version: 1.0",
                "Content-Type: multipart/mixed; boundary=\"b\"", "", "--b", "Content-Type: text/plain", "", "attached",
                "--b", "Content-Type: application/octet-stream", "Content-Disposition: attachment; filename=\"eicar.com\"",
                "Content-Transfer-Encoding: base64", "",
                Base64.getEncoder().encodeToString(Clamd.EICAR.getBytes(StandardCharsets.US_ASCII)), "--b--");
        assertTrue(reply.startsWith("554 5.7.1 Message rejected: virus found: Eicar-Test-Signature"), reply);
        assertTrue(InboundTopic.containing(marker).isEmpty());
    }

    @Test
    void spamBelowTheRejectScoreIsTaggedAndMarkedForJunk() throws Exception {
        String marker = "m-" + UUID.randomUUID();
        String reply = send(headers(marker, "junk-me please"), "", "cheap watches");
        assertTrue(reply.startsWith("250 2.0.0 Ok: queued as"), reply);
        ConsumerRecord<String, byte[]> r = queued(marker);
        Envelope e = MailRecords.envelope(r);
        assertTrue(e.junk());
        assertTrue(e.contentScan().orElseThrow().startsWith("rspamd: add header, score "), e.contentScan().orElseThrow());
        assertTrue(e.contentScan().orElseThrow().contains("MAILPIPE_TEST_JUNK"));
        String text = new String(r.value(), StandardCharsets.UTF_8);
        assertTrue(text.startsWith("Received: "), text);
        int tag = text.indexOf("\r\nX-Spam: Yes\r\n");
        assertTrue(tag > 0 && tag < text.indexOf("From: Someone"), "tagged below the trace field: " + text);
    }

    @Test
    void cleanMailGoesOnUntouchedWithItsVerdict() throws Exception {
        String marker = "m-" + UUID.randomUUID();
        String reply = send(headers(marker, "lunch on friday"), "", "See you at noon.");
        assertTrue(reply.startsWith("250 2.0.0 Ok: queued as"), reply);
        Envelope e = MailRecords.envelope(queued(marker));
        assertFalse(e.junk());
        assertTrue(e.contentScan().orElseThrow().startsWith("rspamd: no action"), e.contentScan().orElseThrow());
        assertFalse(new String(queued(marker).value(), StandardCharsets.UTF_8).contains("X-Spam:"));
    }
}
