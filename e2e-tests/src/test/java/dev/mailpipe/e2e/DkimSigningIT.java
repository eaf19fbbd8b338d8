package dev.mailpipe.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.peers.DebianPeers;
import dev.mailpipe.peers.Dkimpy;
import dev.mailpipe.peers.SmtpSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outgoing mail from a local domain, sent from a trusted network, leaves signed with both keys
 * relay-service created at its start; the records {@code ./mailpipe dns-records} prints verify the
 * signatures (python3-dkim) on what the remote MX received. Mail from other domains goes unsigned.
 */
@ExtendWith(SharedPipeline.class)
@Tag("e2e")
class DkimSigningIT {
    @TempDir
    static Path tmp;

    static SmtpSink mx;
    static Pipeline pipeline;

    @BeforeAll
    static void start() throws Exception {
        DebianPeers.require("python:dkim");
        SharedPipeline shared = SharedPipeline.get();
        pipeline = shared.pipeline;
        // signed.remote.test's MX (remote.test.zone).
        mx = SmtpSink.start("127.0.0.9", shared.smtpPort, tmp.resolve("mx"), "accept");
    }

    @AfterAll
    static void stop() throws Exception {
        mx.close();
    }

    @Test
    void localSendersMailIsSignedAndVerifiesWithThePublishedRecords() throws Exception {
        Path msg = Swaks.message(tmp, "signed.eml",
                "From: Alice <alice@example.test>",
                "To: erin@signed.remote.test",
                "Subject: signed on its way out",
                "Message-ID: <dkim-1@example.test>",
                "",
                "Hello Erin,",
                "this body is covered by the signature.");
        assertTrue(Swaks.send(pipeline.smtpPort, "alice@example.test", List.of("erin@signed.remote.test"), msg)
                .contains("250 2.0.0 Ok: queued as"));
        Path unsignedMsg = Swaks.message(tmp, "unsigned.eml", "From: someone@y.test", "To: erin@signed.remote.test",
                "Subject: not ours to sign", "", "x");
        assertTrue(Swaks.send(pipeline.smtpPort, "someone@y.test", List.of("erin@signed.remote.test"), unsignedMsg)
                .contains("250 2.0.0 Ok: queued as"));
        await().atMost(Duration.ofSeconds(60)).until(() -> mx.messages().size() == 2);

        Pipeline.Answer records = pipeline.launcher("dns-records");
        assertEquals(0, records.exitCode(), records.output());
        assertTrue(records.output().contains("mailpipe-rsa._domainkey.example.test. 3600 IN TXT \"v=DKIM1; h=sha256; k=rsa; p="),
                records.output());
        assertTrue(records.output().contains("_dmarc.example.test. 3600 IN TXT \"v=DMARC1; p=none;"), records.output());
        assertTrue(records.output().matches("(?s).*\\n_25\\._tcp\\.[a-z.]+\\. 3600 IN TLSA 3 1 1 [0-9a-f]{64}\\n.*"),
                "the TLSA record of the key the ingress's STARTTLS uses: " + records.output());
        Path zone = Files.writeString(tmp.resolve("published.zone"), records.output());

        byte[] signed = received("signed on its way out");
        assertEquals("example.test mailpipe-ed25519 pass\nexample.test mailpipe-rsa pass\n", dkimpy(signed, zone));
        assertFalse(new String(received("not ours to sign"), StandardCharsets.UTF_8).contains("DKIM-Signature"),
                "mail from a domain that is not ours goes unsigned");
        await().atMost(Duration.ofSeconds(15)).until(() -> pipeline.launcher("trace", "<dkim-1@example.test>").output()
                .contains("dkim=d=example.test s=mailpipe-ed25519, d=example.test s=mailpipe-rsa"));
    }

    private static byte[] received(String subject) throws Exception {
        for (Path p : mx.messages()) {
            byte[] b = Files.readAllBytes(p);
            if (new String(b, StandardCharsets.UTF_8).contains("Subject: " + subject)) {
                return b;
            }
        }
        throw new AssertionError("no message with subject " + subject + " at the MX");
    }

    private static String dkimpy(byte[] message, Path zone) throws Exception {
        return Dkimpy.verify(message, zone, tmp);
    }
}
