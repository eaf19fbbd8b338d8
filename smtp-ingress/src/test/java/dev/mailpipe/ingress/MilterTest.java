package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.kafka.LocalKafkaResource;
import dev.mailpipe.peers.Clamd;
import dev.mailpipe.peers.Dkimpy;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The MX port with Debian's clamav-milter and opendkim as its milters: a virus is refused with
 * clamav-milter's reply, clean mail gets clamav-milter's fields and opendkim's signature, and the
 * signature verifies (python3-dkim) on the message as queued, so what the milters were shown is
 * what is queued, byte for byte; this server's trace field stays first.
 */
@QuarkusTest
@Tag("service")
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = MilterPeers.class, restrictToAnnotatedClass = true)
class MilterTest {
    @Inject
    SmtpIngress ingress;

    private String send(String... text) throws Exception {
        return UntrustedSender.send(ingress.port(), text);
    }

    private static String headers(String marker, String subject) {
        return UntrustedSender.headers(marker, subject);
    }

    @Test
    void aVirusIsRefusedWithClamavMiltersReply() throws Exception {
        String marker = "m-" + UUID.randomUUID();
        String reply = send(headers(marker, "the file"), "MIME-Version: 1.0",
                "Content-Type: multipart/mixed; boundary=\"b\"", "", "--b", "Content-Type: text/plain", "", "attached",
                "--b", "Content-Type: application/octet-stream", "Content-Disposition: attachment; filename=\"eicar.com\"",
                "Content-Transfer-Encoding: base64", "",
                Base64.getEncoder().encodeToString(Clamd.EICAR.getBytes(StandardCharsets.US_ASCII)), "--b--");
        assertTrue(reply.startsWith("5"), reply);
        assertTrue(reply.contains("5.7.1"), reply);
        assertTrue(InboundTopic.containing(marker).isEmpty());
    }

    @Test
    void cleanMailIsScannedSignedAndQueuedAsTheMiltersLeftIt() throws Exception {
        String marker = "m-" + UUID.randomUUID();
        String reply = send(headers(marker, "lunch on friday"), "", "See you at noon.", "", ".. a dot-stuffed line",
                "trailing spaces   ");
        assertTrue(reply.startsWith("250 2.0.0 Ok: queued as"), reply);
        List<ConsumerRecord<String, byte[]>> found = InboundTopic.containing(marker);
        assertEquals(1, found.size());
        byte[] queued = found.get(0).value();
        String text = new String(queued, StandardCharsets.UTF_8);
        assertTrue(text.startsWith("Received: "), text);
        assertTrue(text.contains("\r\nX-Virus-Scanned: clamav-milter"), text);
        assertTrue(text.contains("\r\nX-Virus-Status: Clean"), text);
        int signature = text.indexOf("\r\nDKIM-Signature: ");
        assertTrue(signature > 0 && signature < text.indexOf("\r\nFrom: Someone"), "signed below the trace field: " + text);
        assertEquals("sender.test s1 pass", Dkimpy.verify(queued, MilterPeers.opendkimZone,
                Files.createTempDirectory("dkimpy")).trim());
        assertTrue(text.endsWith("\r\n. a dot-stuffed line\r\ntrailing spaces   \r\n"), text);
    }
}
