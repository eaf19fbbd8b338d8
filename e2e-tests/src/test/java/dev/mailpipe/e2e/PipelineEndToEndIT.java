package dev.mailpipe.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.peers.SmtpSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The walking skeleton, end to end with real peers: swaks sends, the pipeline runs as
 * {@code ./mailpipe up} runs it, NSD answers the MX queries, aiosmtpd sinks receive relayed mail,
 * and the Maildir on disk is what the user would read.
 */
@ExtendWith(SharedPipeline.class)
@Tag("e2e")
class PipelineEndToEndIT {
    @TempDir
    static Path tmp;

    static SmtpSink mx1;
    static SmtpSink backup;
    static Pipeline pipeline;

    @BeforeAll
    static void start() throws Exception {
        SharedPipeline shared = SharedPipeline.get();
        pipeline = shared.pipeline;
        mx1 = SmtpSink.start("127.0.0.2", shared.smtpPort, tmp.resolve("mx1"), "accept");
        backup = SmtpSink.start("127.0.0.3", shared.smtpPort, tmp.resolve("backup"), "accept");
    }

    @AfterAll
    static void stop() throws Exception {
        mx1.close();
        backup.close();
    }

    @Test
    void localMailLandsInTheMaildirExactlyAsSent() throws Exception {
        Path msg = Swaks.message(tmp, "local.eml",
                "From: Sender <sender@y.test>",
                "To: Alice <alice@example.test>",
                "Subject: walking skeleton",
                "Message-ID: <local-1@y.test>",
                "",
                "Hello Alice,",
                ".a line that starts with a dot",
                "",
                "bye");
        String transcript = Swaks.send(pipeline.smtpPort, "sender@y.test", List.of("alice@example.test"), msg);
        assertTrue(transcript.contains("250 2.0.0 Ok: queued as"), transcript);

        Path fresh = pipeline.maildir("example.test", "alice").resolve("new");
        // The pipeline is shared: the test looks for its own message, once, whatever else alice has.
        await().atMost(Duration.ofSeconds(60)).until(() -> withMessageId(fresh, "<local-1@y.test>").size() == 1);
        byte[] stored = Files.readAllBytes(withMessageId(fresh, "<local-1@y.test>").get(0));
        String text = new String(stored, StandardCharsets.UTF_8);
        assertTrue(text.startsWith("Return-Path: <sender@y.test>\r\nDelivered-To: alice@example.test\r\nReceived: from "),
                text);
        assertTrue(text.endsWith(Swaks.wireForm(msg)), "the message after our trace headers is byte for byte the one sent:\n" + text);
        assertEquals(0, files(pipeline.maildir("example.test", "alice").resolve("tmp")).size());
    }

    @Test
    void remoteMailIsRelayedToTheMxFromDns() throws Exception {
        Path msg = Swaks.message(tmp, "remote.eml",
                "From: sender@y.test",
                "To: carol@remote.test",
                "Subject: to the MX",
                "",
                "Body line one",
                "..two dots at the start");
        String transcript = Swaks.send(pipeline.smtpPort, "sender@y.test", List.of("carol@remote.test"), msg);
        assertTrue(transcript.contains("250 2.0.0 Ok: queued as"), transcript);

        await().atMost(Duration.ofSeconds(60)).until(() -> mx1.messages().size() == 1);
        Path received = mx1.messages().get(0);
        String content = Files.readString(received);
        assertTrue(content.startsWith("Received: from "), content);
        assertTrue(content.endsWith(Swaks.wireForm(msg)), "relayed intact:\n" + content);
        String env = Files.readString(Path.of(received.toString().replace(".eml", ".env")));
        assertEquals("MAIL FROM:sender@y.test\nRCPT TO:carol@remote.test\n", env);
        assertEquals(0, backup.messages().stream().filter(p -> contains(p, "to the MX")).count());
    }

    @Test
    void whenThePreferredMxIsDownTheNextOneGetsTheMail() throws Exception {
        Path msg = Swaks.message(tmp, "failover.eml",
                "From: sender@y.test",
                "To: dave@failover.remote.test",
                "Subject: failover",
                "",
                "the first MX (preference 10) refuses connections");
        String transcript = Swaks.send(pipeline.smtpPort, "sender@y.test", List.of("dave@failover.remote.test"), msg);
        assertTrue(transcript.contains("250 2.0.0 Ok: queued as"), transcript);

        await().atMost(Duration.ofSeconds(60)).until(() -> backup.messages().stream().anyMatch(p -> contains(p, "Subject: failover")));
        assertTrue(pipeline.log("relay-service").contains("down.remote.test[127.0.0.66]"),
                "the relay tried the preferred MX first");
    }

    private static boolean contains(Path p, String text) {
        try {
            return Files.readString(p).contains(text);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static List<Path> withMessageId(Path dir, String id) throws java.io.IOException {
        List<Path> found = new java.util.ArrayList<>();
        for (Path f : files(dir)) {
            if (Files.readString(f, StandardCharsets.ISO_8859_1).contains("\r\nMessage-ID: " + id + "\r\n")) {
                found.add(f);
            }
        }
        return found;
    }

    private static List<Path> files(Path dir) throws java.io.IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
