package dev.mailpipe.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.peers.Dovecot;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The user's side: a mailbox created through the registry API receives mail, and Dovecot serves the
 * delivered Maildir file over IMAP and POP3 byte for byte, as the read API does.
 */
@ExtendWith(SharedPipeline.class)
@Tag("e2e")
class MailboxReadingIT {
    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void dovecotServesWhatWasDeliveredByteForByte() throws Exception {
        Pipeline pipeline = SharedPipeline.get().pipeline;
        String api = "http://127.0.0.1:" + (pipeline.httpBase + 4) + "/api";
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(api + "/mailboxes/dora@example.test"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"password\":\"dora-pw-123\"}"))
                .header("Content-Type", "application/json").header("Authorization", pipeline.adminAuthorization()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, created.statusCode(), created.body());

        Path msg = Swaks.message(tmp, "dora.eml", "From: sender@y.test", "To: dora@example.test",
                "Subject: read me over IMAP", "", "line one", "..starts with a dot", "résumé in UTF-8");
        assertTrue(Swaks.send(pipeline.smtpPort, "sender@y.test", List.of("dora@example.test"), msg)
                .contains("250 2.0.0 Ok: queued as"));
        Path fresh = pipeline.maildir("example.test", "dora").resolve("new");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.isDirectory(fresh) && count(fresh) == 1);
        byte[] onDisk;
        try (Stream<Path> s = Files.list(fresh)) {
            onDisk = Files.readAllBytes(s.findFirst().orElseThrow());
        }

        try (Dovecot dovecot = Dovecot.start(tmp.resolve("dovecot"), pipeline.mailRoot(),
                Map.of("dora@example.test", "dora-pw-123"))) {
            List<byte[]> imap = dovecot.read("imap", "dora@example.test", "dora-pw-123");
            assertEquals(1, imap.size(), dovecot.log());
            assertArrayEquals(onDisk, imap.get(0), "IMAP returns the file as delivered");
            List<byte[]> pop3 = dovecot.read("pop3", "dora@example.test", "dora-pw-123");
            assertArrayEquals(onDisk, pop3.get(0), "POP3 returns the file as delivered");
        }

        // The read API, with the mailbox's own password.
        HttpResponse<String> list = http.send(HttpRequest.newBuilder(URI.create(api + "/mailboxes/dora@example.test/messages"))
                .header("Authorization", Pipeline.basic("dora@example.test", "dora-pw-123")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(list.body().contains("\"subject\":\"read me over IMAP\""), list.body());
    }

    /**
     * Spam the content filter let through (its envelope marked {@code junk}, as the ingress marks
     * rspamd's "add header") is delivered into the mailbox's Maildir++ {@code .Junk}, which Dovecot
     * lists as the folder Junk over IMAP; the inbox stays clean.
     */
    @Test
    void spamTaggedByTheFilterIsReadInJunkNotInTheInbox() throws Exception {
        Pipeline pipeline = SharedPipeline.get().pipeline;
        String api = "http://127.0.0.1:" + (pipeline.httpBase + 4) + "/api";
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(api + "/mailboxes/jules@example.test"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"password\":\"jules-pw-123\"}"))
                .header("Content-Type", "application/json").header("Authorization", pipeline.adminAuthorization()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, created.statusCode(), created.body());
        dev.mailpipe.model.Envelope spam = dev.mailpipe.model.Envelope.received("junk-1", java.time.Instant.now(),
                new dev.mailpipe.model.Envelope.Client("198.51.100.7", "spammer.test", false, null), "s@spammer.test",
                List.of(dev.mailpipe.model.Recipient.of("jules@example.test")), 40)
                .withContentScan("rspamd: add header, score 8.00/15.00, MAILPIPE_TEST_JUNK", true);
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, byte[]>(
                Map.of("bootstrap.servers", pipeline.bootstrapServers()),
                new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            producer.send(dev.mailpipe.model.MailRecords.record(dev.mailpipe.model.Topics.DELIVERY, "jules@example.test", spam,
                    "X-Spam: Yes\r\nSubject: cheap pills\r\n\r\nbuy\r\n".getBytes(java.nio.charset.StandardCharsets.UTF_8))).get();
        }
        Path junk = pipeline.maildir("example.test", "jules").resolve(".Junk/new");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.isDirectory(junk) && count(junk) == 1);
        try (Dovecot dovecot = Dovecot.start(tmp.resolve("dovecot-junk"), pipeline.mailRoot(),
                Map.of("jules@example.test", "jules-pw-123"))) {
            List<byte[]> inJunk = dovecot.readFolder("jules@example.test", "jules-pw-123", "Junk");
            assertEquals(1, inJunk.size(), dovecot.log());
            assertTrue(new String(inJunk.get(0), java.nio.charset.StandardCharsets.UTF_8).contains("Subject: cheap pills"));
            assertEquals(0, dovecot.read("imap", "jules@example.test", "jules-pw-123").size(), "nothing in the inbox");
        }
    }

    /**
     * Dovecot with mailpipe's checkpassword program: the registry password opens the mailbox over
     * IMAP and POP3, a wrong one does not, and a password changed through the API holds at once.
     */
    @Test
    void dovecotChecksTheRegistryPasswordAndFollowsAChangeAtOnce() throws Exception {
        Pipeline pipeline = SharedPipeline.get().pipeline;
        String api = "http://127.0.0.1:" + (pipeline.httpBase + 4);
        assertEquals(201, putMailbox(api, "ezra@example.test", "first-pw-1").statusCode());
        Path msg = Swaks.message(tmp, "ezra.eml", "From: sender@y.test", "To: ezra@example.test", "Subject: for ezra", "",
                "hello");
        assertTrue(Swaks.send(pipeline.smtpPort, "sender@y.test", List.of("ezra@example.test"), msg)
                .contains("250 2.0.0 Ok: queued as"));
        Path fresh = pipeline.maildir("example.test", "ezra").resolve("new");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.isDirectory(fresh) && count(fresh) == 1);

        Path checkpassword = dev.mailpipe.peers.Loopback.repoRoot().resolve("contrib/dovecot/checkpassword-mailpipe");
        try (Dovecot dovecot = Dovecot.startWithRegistry(tmp.resolve("dovecot-registry"), pipeline.mailRoot(),
                checkpassword, api)) {
            assertEquals(1, dovecot.read("imap", "ezra@example.test", "first-pw-1").size(), dovecot.log());
            assertEquals(1, dovecot.read("pop3", "ezra@example.test", "first-pw-1").size(), dovecot.log());
            assertRefused(dovecot, "imap", "ezra@example.test", "not-the-pw");
            assertRefused(dovecot, "pop3", "ezra@example.test", "not-the-pw");
            assertRefused(dovecot, "imap", "nobody@example.test", "first-pw-1");

            assertEquals(200, putMailbox(api, "ezra@example.test", "second-pw-2").statusCode());
            // The registry change reaches the API's view through mail.accounts: a moment, not a reload.
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                    .until(() -> dovecot.read("imap", "ezra@example.test", "second-pw-2").size() == 1);
            assertRefused(dovecot, "imap", "ezra@example.test", "first-pw-1");
        }
    }

    /**
     * Dovecot asks the API for each of its clients and names the client (X-Forwarded-For): a guesser
     * that fails three times (this pipeline's limit) is locked out, but only it; the owner logging in from elsewhere through
     * the same Dovecot gets in. Were every login counted against Dovecot's own address, the
     * guesser would lock every IMAP user out.
     */
    @Test
    void aGuesserThroughDovecotLocksOutOnlyItself() throws Exception {
        Pipeline pipeline = SharedPipeline.get().pipeline;
        String api = "http://127.0.0.1:" + (pipeline.httpBase + 4);
        assertEquals(201, putMailbox(api, "gail@example.test", "gail-pw-1").statusCode());
        Path msg = Swaks.message(tmp, "gail.eml", "From: sender@y.test", "To: gail@example.test", "Subject: for gail", "", "hi");
        assertTrue(Swaks.send(pipeline.smtpPort, "sender@y.test", List.of("gail@example.test"), msg).contains("250 2.0.0 Ok"));
        Path fresh = pipeline.maildir("example.test", "gail").resolve("new");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.isDirectory(fresh) && count(fresh) == 1);
        Path checkpassword = dev.mailpipe.peers.Loopback.repoRoot().resolve("contrib/dovecot/checkpassword-mailpipe");
        try (Dovecot dovecot = Dovecot.startWithRegistry(tmp.resolve("dovecot-guesser"), pipeline.mailRoot(),
                checkpassword, api)) {
            for (int i = 0; i < 3; i++) {
                int n = i;
                org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                        () -> dovecot.read("imap", "gail@example.test", "guess-" + n, "127.0.0.81"));
            }
            org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> dovecot.read("imap", "gail@example.test", "gail-pw-1", "127.0.0.81"),
                    "the guesser is locked out, even with the right password");
            assertEquals(1, dovecot.read("imap", "gail@example.test", "gail-pw-1", "127.0.0.82").size(),
                    "the owner, from another address, gets in");
        }
        assertTrue(pipeline.log("delivery-service").contains("API login refused: client=127.0.0.81"),
                "the lockout names the guesser, not Dovecot");
    }

    /**
     * A wrong login, from a client of its own (127.0.0.83): its failures count against that address
     * (Dovecot names it to the API), not against the client that logs in rightly afterwards.
     */
    private static void assertRefused(Dovecot dovecot, String protocol, String user, String password) throws Exception {
        java.io.IOException refused = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> dovecot.read(protocol, user, password, "127.0.0.83"), protocol + " let " + user + " in with " + password);
        assertTrue(refused.getMessage().toLowerCase(java.util.Locale.ROOT).contains("authentication failed")
                || refused.getMessage().contains("-ERR"), refused.getMessage());
    }

    private HttpResponse<String> putMailbox(String api, String address, String password) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(api + "/api/mailboxes/" + address))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"password\":\"" + password + "\"}"))
                .header("Content-Type", "application/json")
                .header("Authorization", SharedPipeline.get().pipeline.adminAuthorization()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static long count(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }
}
