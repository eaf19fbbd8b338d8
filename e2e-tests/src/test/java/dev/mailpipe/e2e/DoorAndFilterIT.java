package dev.mailpipe.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.peers.Clamd;
import dev.mailpipe.peers.DnsServer;
import dev.mailpipe.peers.Dovecot;
import dev.mailpipe.peers.Postgrey;
import dev.mailpipe.peers.Rspamd;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The door and the content filter end to end, for a client outside the relay networks (swaks from
 * 127.0.0.90, only 127.0.0.1 relays here): Debian's postgrey greylists a new triplet and the retry
 * after its delay is delivered to the Maildir; Debian's rspamd refuses GTUBE, and spam it tags
 * reaches the mailbox's Junk folder, where Dovecot shows it, not the inbox.
 */
@Tag("e2e")
class DoorAndFilterIT {
    private static final String CLIENT = "127.0.0.90";
    @TempDir
    static Path tmp;
    static DnsServer dns;
    static Postgrey postgrey;
    static Clamd clamd;
    static Rspamd rspamd;
    static Pipeline pipeline;

    @BeforeAll
    static void start() throws Exception {
        dns = DnsServer.start(tmp.resolve("dns"), "remote.test");
        postgrey = Postgrey.start(tmp.resolve("postgrey"), 2);
        clamd = Clamd.start(Files.createDirectories(tmp.resolve("clamd")));
        rspamd = Rspamd.start(Files.createDirectories(tmp.resolve("rspamd")), dns.address(), clamd.socket);
        pipeline = Pipeline.start(tmp.resolve("pipeline"), Map.of(
                "MAILPIPE_INGRESS_RELAY_NETWORKS", "127.0.0.1/32",
                "MAILPIPE_INGRESS_GREETING_DELAY", "1s",
                "MAILPIPE_INGRESS_SENDER_CHECKS_DNS_SERVERS", dns.address(),
                "MAILPIPE_INGRESS_DOOR_POLICY_SERVICE", postgrey.address(),
                "MAILPIPE_INGRESS_RSPAMD_URL", rspamd.url(),
                "MAILPIPE_LOCAL_MAILBOXES", "alice@example.test,bob@example.test,carol@example.test"));
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {pipeline, rspamd, clamd, postgrey, dns}) {
            if (c != null) {
                c.close();
            }
        }
    }

    private static String send(String from, String to, Path message) throws Exception {
        return Swaks.send(pipeline.smtpPort, from, List.of(to), message, "--local-interface", CLIENT);
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

    @Test
    void aGreylistedSenderThatRetriesAfterTheDelayIsDelivered() throws Exception {
        Path msg = Swaks.message(tmp, "grey.eml", "From: someone@remote.test", "To: alice@example.test",
                "Date: Sun, 6 Dec 2026 12:00:00 +0000", "Message-ID: <grey-1@remote.test>", "Subject: retried", "", "hello");
        String first = send("someone@remote.test", "alice@example.test", msg);
        assertTrue(first.contains("450 4.7.1 <alice@example.test>: Recipient address rejected: Greylisted"), first);
        Thread.sleep(3000);
        String retry = send("someone@remote.test", "alice@example.test", msg);
        assertTrue(retry.contains("250 2.0.0 Ok: queued as"), retry);
        Path inbox = pipeline.maildir("example.test", "alice").resolve("new");
        await().atMost(Duration.ofSeconds(60)).until(() -> files(inbox).stream().anyMatch(f -> f.contains("Subject: retried")));
        String delivered = files(inbox).stream().filter(f -> f.contains("Subject: retried")).findFirst().orElseThrow();
        assertTrue(delivered.contains("X-Greylist: delayed "), delivered);
    }

    @Test
    void rspamdRefusesGtubeAndSpamItTagsIsReadInJunk() throws Exception {
        // Past the greylisting first: postgrey lets a triplet through once it has waited.
        Path probe = Swaks.message(tmp, "probe.eml", "From: spammer@remote.test", "To: bob@example.test", "Subject: x", "", "x");
        send("spammer@remote.test", "bob@example.test", probe);
        Thread.sleep(3000);
        Path gtube = Swaks.message(tmp, "gtube.eml", "From: spammer@remote.test", "To: bob@example.test",
                "Date: Sun, 6 Dec 2026 12:00:00 +0000", "Message-ID: <gtube-1@remote.test>", "Subject: test", "",
                "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X");
        String refused = send("spammer@remote.test", "bob@example.test", gtube);
        assertTrue(refused.contains("550 5.7.1 Gtube pattern"), refused);

        Path junk = Swaks.message(tmp, "junk.eml", "From: spammer@remote.test", "To: bob@example.test",
                "Date: Sun, 6 Dec 2026 12:00:00 +0000", "Message-ID: <junk-1@remote.test>", "Subject: junk-me watches", "",
                "cheap watches");
        String tagged = send("spammer@remote.test", "bob@example.test", junk);
        assertTrue(tagged.contains("250 2.0.0 Ok: queued as"), tagged);
        Path junkFolder = pipeline.maildir("example.test", "bob").resolve(".Junk/new");
        await().atMost(Duration.ofSeconds(60)).until(() -> files(junkFolder).size() == 1);
        assertTrue(files(junkFolder).get(0).contains("X-Spam: Yes"));
        try (Dovecot dovecot = Dovecot.start(tmp.resolve("dovecot"), pipeline.mailRoot(),
                Map.of("bob@example.test", "bob-pw-123"))) {
            List<byte[]> inJunk = dovecot.readFolder("bob@example.test", "bob-pw-123", "Junk");
            assertEquals(1, inJunk.size(), dovecot.log());
            assertTrue(new String(inJunk.get(0), StandardCharsets.UTF_8).contains("Subject: junk-me watches"));
            assertTrue(dovecot.read("imap", "bob@example.test", "bob-pw-123").stream()
                    .noneMatch(m -> new String(m, StandardCharsets.UTF_8).contains("junk-me")), "not in the inbox");
        }
    }
}
