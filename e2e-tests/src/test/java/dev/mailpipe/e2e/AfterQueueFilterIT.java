package dev.mailpipe.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.Topics;
import dev.mailpipe.peers.Clamd;
import dev.mailpipe.peers.DnsServer;
import dev.mailpipe.peers.Rspamd;
import dev.mailpipe.peers.TopicReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scan after the queue end to end: the ingress answers {@code 250} at once and queues on
 * {@code mail.scan}, content-filter (started by the launcher in this mode) asks Debian's rspamd,
 * whose antivirus module asks Debian's clamd. GTUBE never reaches the inbox (it is quarantined into
 * the Junk folder), the EICAR file reaches no folder, and neither is bounced to its sender.
 */
@Tag("e2e")
class AfterQueueFilterIT {
    private static final String CLIENT = "127.0.0.91";
    private static final Pattern QUEUED = Pattern.compile("250 2\\.0\\.0 Ok: queued as (\\S+)");
    @TempDir
    static Path tmp;
    static DnsServer dns;
    static Clamd clamd;
    static Rspamd rspamd;
    static Pipeline pipeline;

    @BeforeAll
    static void start() throws Exception {
        dns = DnsServer.start(tmp.resolve("dns"), "remote.test");
        clamd = Clamd.start(Files.createDirectories(tmp.resolve("clamd")));
        rspamd = Rspamd.start(Files.createDirectories(tmp.resolve("rspamd")), dns.address(), clamd.socket);
        pipeline = Pipeline.start(tmp.resolve("pipeline"), Map.of(
                "MAILPIPE_INGRESS_RELAY_NETWORKS", "127.0.0.1/32",
                "MAILPIPE_INGRESS_SENDER_CHECKS_DNS_SERVERS", dns.address(),
                "MAILPIPE_ROUTING_DNS_SERVERS", dns.address(),
                "MAILPIPE_INGRESS_RSPAMD_URL", rspamd.url(),
                "MAILPIPE_INGRESS_RSPAMD_MODE", "after-queue"));
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {pipeline, rspamd, clamd, dns}) {
            if (c != null) {
                c.close();
            }
        }
    }

    private static String queued(String... lines) throws Exception {
        Path m = Swaks.message(tmp, "m" + System.nanoTime() + ".eml", lines);
        String reply = Swaks.send(pipeline.smtpPort, "spammer@remote.test", List.of("bob@example.test"), m, "--local-interface", CLIENT);
        Matcher id = QUEUED.matcher(reply);
        assertTrue(id.find(), "accepted at once, whatever it holds: " + reply);
        return id.group(1);
    }

    private static List<String> files(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> {
                try {
                    return Files.readString(p, StandardCharsets.UTF_8);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
    }

    private static List<String> bobs(String folder, String marker) throws Exception {
        return files(pipeline.maildir("example.test", "bob").resolve(folder)).stream().filter(f -> f.contains(marker)).toList();
    }

    /** Bounces are mail from {@code <>} on mail.notices: none may name this message. */
    private static void noBounceFor(String marker) {
        assertTrue(TopicReader.readCommitted(pipeline.bootstrapServers(), Topics.NOTICES).stream()
                .noneMatch(r -> MailRecords.envelope(r).hasNullSender() && new String(r.value(), StandardCharsets.UTF_8).contains(marker)),
                "no bounce to the (likely forged) sender");
    }

    @Test
    void gtubeIsAcceptedThenQuarantinedIntoJunkNeverTheInboxAndNotBounced() throws Exception {
        String id = queued("From: spammer@remote.test", "To: bob@example.test", "Date: Sun, 6 Dec 2026 12:00:00 +0000",
                "Message-ID: <aq-gtube@remote.test>", "Subject: test", "", "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X");
        await().atMost(Duration.ofSeconds(90)).until(() -> bobs(".Junk/new", "aq-gtube@").size() == 1);
        String junk = bobs(".Junk/new", "aq-gtube@").get(0);
        assertTrue(junk.contains("X-Spam: Yes\r\n") && junk.contains("X-Mailpipe-Quarantine: Gtube pattern"), junk);
        assertEquals(List.of(), bobs("new", "aq-gtube@"), "never the inbox");
        String trace = pipeline.launcher("trace", id).output();
        assertTrue(trace.contains("scanned") && trace.contains("content-filter"), trace);
        noBounceFor("aq-gtube@");
        assertTrue(pipeline.status().contains("content-filter"), "status shows the stage: " + pipeline.status());
    }

    @Test
    void theEicarFileIsAcceptedThenDroppedWithAnEventReachingNoFolderAndNotBounced() throws Exception {
        String id = queued("From: spammer@remote.test", "To: bob@example.test", "Date: Sun, 6 Dec 2026 12:00:00 +0000",
                "Message-ID: <aq-eicar@remote.test>", "Subject: the file", "MIME-Version: 1.0",
                "Content-Type: multipart/mixed; boundary=\"b\"", "", "--b", "Content-Type: text/plain", "", "attached", "--b",
                "Content-Type: application/octet-stream", "Content-Disposition: attachment; filename=\"eicar.com\"",
                "Content-Transfer-Encoding: base64", "", Base64.getEncoder().encodeToString(Clamd.EICAR.getBytes(StandardCharsets.US_ASCII)),
                "--b--");
        await().atMost(Duration.ofSeconds(90)).until(() -> pipeline.launcher("trace", id).output().contains("filtered"));
        String trace = pipeline.launcher("trace", id).output();
        assertTrue(trace.contains("virus found: Eicar-Test-Signature"), trace);
        Thread.sleep(3000); // time for a copy to arrive, were one sent on
        assertEquals(List.of(), bobs("new", "aq-eicar@"));
        assertEquals(List.of(), bobs(".Junk/new", "aq-eicar@"));
        noBounceFor("aq-eicar@");
    }
}
