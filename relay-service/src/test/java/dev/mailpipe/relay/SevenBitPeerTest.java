package dev.mailpipe.relay;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.Route;
import dev.mailpipe.peers.ChildProcess;
import dev.mailpipe.peers.Dkimpy;
import dev.mailpipe.peers.Loopback;
import dev.mailpipe.relay.dkim.DkimConfig;
import dev.mailpipe.relay.dkim.DkimSigning;
import dev.mailpipe.relay.smtp.Outcome;
import dev.mailpipe.relay.smtp.OutgoingMessage;
import dev.mailpipe.relay.smtp.SevenBitConversion;
import dev.mailpipe.runtime.DkimKeys;
import dev.mailpipe.runtime.LocalDomainsConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RFC 6152 3: 8-bit mail for a server without 8BITMIME is converted to 7 bits, and signed after the
 * conversion, so that the signature verifies on what the server received (Postfix's smtp-sink with
 * 8BITMIME turned off, checked by python3-dkim).
 */
@Tag("unit")
class SevenBitPeerTest {
    @TempDir
    Path tmp;

    static final String UMLAUT_TEXT = "Grüße aus Köln, très bien.\r\n.a dot line\r\nend  \r\n";
    static final byte[] BINARY = {(byte) 0xff, 0x00, (byte) 0x80, 'a', '\r', '\n', (byte) 0xc3};

    static byte[] message() {
        String head = "From: Alice <alice@example.test>\r\nTo: bob@remote.test\r\nSubject: 8-bit\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
                + "preamble\r\n--b1\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
        String ascii = "\r\n--b1\r\nContent-Type: text/plain\r\n\r\nplain ascii =stays= as it is\r\n"
                + "--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
        String tail = "\r\n--b1--\r\nepilogue\r\n";
        var out = new java.io.ByteArrayOutputStream();
        out.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(UMLAUT_TEXT.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(ascii.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(BINARY);
        out.writeBytes(tail.getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    @Test
    void everyEightBitPartIsReencodedAndReadsTheSame() throws Exception {
        byte[] converted = SevenBitConversion.convert(message());
        assertFalse(SevenBitConversion.hasEightBit(converted));
        String text = new String(converted, StandardCharsets.US_ASCII);
        assertTrue(text.contains("Content-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe"), text);
        assertTrue(text.contains("Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"), text);
        assertTrue(text.contains("\r\n--b1\r\nContent-Type: text/plain\r\n\r\nplain ascii =stays= as it is\r\n--b1\r\n"),
                "a 7-bit part is kept byte for byte: " + text);
        assertTrue(text.startsWith("From: Alice") && text.contains("preamble\r\n--b1\r\n") && text.endsWith("--b1--\r\nepilogue\r\n"));

        Message parsed = new DefaultMessageBuilder().parseMessage(new ByteArrayInputStream(converted));
        List<Entity> parts = ((Multipart) parsed.getBody()).getBodyParts();
        assertEquals(3, parts.size());
        assertEquals(UMLAUT_TEXT.substring(0, UMLAUT_TEXT.length() - 2), decoded(parts.get(0), StandardCharsets.UTF_8).stripTrailing()
                .replace("end", "end  "));
        assertEquals(new String(BINARY, StandardCharsets.ISO_8859_1), decoded(parts.get(2), StandardCharsets.ISO_8859_1));
    }

    @Test
    void aMessageWithoutMimeBecomesQuotedPrintableText() {
        byte[] plain = "Subject: x\r\n\r\nnaïve\r\n".getBytes(StandardCharsets.UTF_8);
        String converted = new String(SevenBitConversion.convert(plain), StandardCharsets.US_ASCII);
        assertEquals("Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=unknown-8bit\r\n"
                + "Content-Transfer-Encoding: quoted-printable\r\n\r\nna=C3=AFve\r\n", converted);
        byte[] ascii = "Subject: x\r\n\r\nplain\r\n".getBytes(StandardCharsets.US_ASCII);
        assertTrue(ascii == SevenBitConversion.convert(ascii), "7-bit mail is not copied");
    }

    @Test
    void relayedConvertedAndSignedToASinkWithout8BitMime() throws Exception {
        int port = Loopback.freePort("127.0.0.34");
        Path dumps = Files.createDirectories(tmp.resolve("dumps"));
        Path keyDir = tmp.resolve("keys");
        DkimSigning signing = new DkimSigning(dkimConfig(keyDir), localDomains(), new SimpleMeterRegistry());
        Vertx vertx = Vertx.vertx();
        try (ChildProcess sink = ChildProcess.start("smtp-sink", List.of("smtp-sink", "-8", "-u", "root",
                "-d", dumps + "/%M.", "127.0.0.34:" + port, "10"), tmp, java.util.Map.of(), tmp.resolve("sink.log"))) {
            Loopback.awaitListening("127.0.0.34", port, Duration.ofSeconds(10));
            Envelope e = Envelope.received("q-" + System.nanoTime(), Instant.now(), new Envelope.Client("127.0.0.1", "c", false, "alice"),
                    "alice@example.test", List.of(Recipient.of("bob@remote.test")), 100)
                    .withMailParameters(Envelope.BodyType.EIGHT_BIT_MIME, false, null, null).withTrustedOrigin()
                    .withRoute(new Route("remote.test", List.of(new Route.MxHost("mx.remote.test", 10, List.of("127.0.0.34"))), null));
            OutgoingMessage outgoing = new OutgoingMessage(e, message(), signing);
            List<Outcome> out = new MxWalker(vertx, new TestRelayConfig(port, FixedTimeouts.of(Duration.ofSeconds(10))))
                    .deliver(e, outgoing).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertEquals(Outcome.Kind.SENT, out.get(0).kind(), out.toString());
            assertEquals("d=example.test s=mailpipe-ed25519, d=example.test s=mailpipe-rsa", outgoing.signatures());
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> dumpsIn(dumps).size() == 1);
            byte[] received = Files.readAllBytes(dumpsIn(dumps).get(0));
            assertFalse(SevenBitConversion.hasEightBit(received), "the sink got 7-bit content");
            String dump = new String(received, StandardCharsets.US_ASCII);
            assertTrue(dump.contains("X-Mail-Args: <alice@example.test>\n"), dump);
            assertFalse(dump.contains("BODY=8BITMIME"), "no BODY=8BITMIME to a server that does not offer it");
            String zone = tmp.resolve("example.test.zone").toString();
            StringBuilder z = new StringBuilder("$ORIGIN example.test.\n");
            DkimKeys.load(keyDir, "example.test").forEach(k -> z.append(DkimKeys.zoneEntry(k)));
            Files.writeString(Path.of(zone), z);
            assertEquals("example.test mailpipe-ed25519 pass\nexample.test mailpipe-rsa pass\n", dkimpy(received, zone));
        } finally {
            vertx.close();
        }
    }

    private static List<Path> dumpsIn(Path dir) throws java.io.IOException {
        try (var files = Files.list(dir)) {
            return files.toList();
        }
    }

    private String dkimpy(byte[] message, String zone) throws Exception {
        return Dkimpy.verify(message, Path.of(zone), tmp);
    }

    private static String decoded(Entity part, java.nio.charset.Charset cs) throws Exception {
        try (var in = ((SingleBody) part.getBody()).getInputStream()) {
            return new String(in.readAllBytes(), cs);
        }
    }

    static DkimConfig dkimConfig(Path keyDir) {
        return new DkimConfig() {
            public boolean enabled() {
                return true;
            }

            public Optional<List<String>> domains() {
                return Optional.empty();
            }

            public Path keyDir() {
                return keyDir;
            }

            public boolean createKeys() {
                return true;
            }

            public List<String> signedHeaders() {
                return List.of("from", "to", "subject", "mime-version", "content-type", "content-transfer-encoding");
            }

            public List<String> oversignedHeaders() {
                return List.of("from", "subject");
            }
        };
    }

    static LocalDomainsConfig localDomains() {
        return new LocalDomainsConfig() {
            public List<String> domains() {
                return new ArrayList<>(List.of("example.test"));
            }

            public List<String> mailboxes() {
                return List.of("alice@example.test");
            }

            public String postmaster() {
                return "alice@example.test";
            }
        };
    }
}
