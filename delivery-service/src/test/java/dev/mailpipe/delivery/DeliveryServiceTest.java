package dev.mailpipe.delivery;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.kafka.LocalKafkaResource;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.RecordHeaders;
import dev.mailpipe.model.Topics;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Delivery and the registry API against a real broker, through the service's Kafka and HTTP faces. */
@QuarkusTest
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@Tag("service")
class DeliveryServiceTest {
    private static final Path ROOT = Path.of("target/test-mail");

    /** These tests use the API as its administrator; {@link ApiSecurityTest} checks who else may. */
    @org.junit.jupiter.api.BeforeAll
    static void asAdministrator() {
        io.restassured.RestAssured.authentication = io.restassured.RestAssured.preemptive().basic("admin", "test-admin-secret");
    }

    @org.junit.jupiter.api.AfterAll
    static void asNobody() {
        io.restassured.RestAssured.authentication = io.restassured.RestAssured.DEFAULT_AUTH;
    }

    @org.junit.jupiter.api.BeforeAll
    static void emptyTheMailRoot() throws Exception {
        if (Files.isDirectory(ROOT)) {
            try (Stream<Path> all = Files.walk(ROOT)) {
                all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String id() {
        return "t-" + UUID.randomUUID();
    }

    private static long files(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    @Test
    void deliversOnceAndServesTheMessageBack() throws Exception {
        var latency = meters.timer("mailpipe.delivery.accept.to.delivered");
        long delivered = latency.count();
        String id = id();
        String msg = "From: sender@y.test\r\nSubject: =?UTF-8?Q?gr=C3=BC=C3=9Fe?= " + id + "\r\n\r\nhello\r\n";
        // The same record twice, as Kafka hands it over again after a crash before the commit.
        var envelope = Topics4Test.envelope(id, "Bob@example.test");
        Topics4Test.send(Topics.DELIVERY, "bob@example.test", envelope, msg);
        Topics4Test.send(Topics.DELIVERY, "bob@example.test", envelope, msg);
        Path fresh = ROOT.resolve("example.test/bob/Maildir/new");
        await().atMost(Duration.ofSeconds(30)).until(() -> Topics4Test.read(Topics.EVENTS).stream()
                .filter(r -> Topics4Test.text(r).contains(id)).count() == 2);
        try (Stream<Path> s = Files.list(fresh)) {
            assertEquals(1, s.filter(p -> read(p).contains(id)).count(), "a redelivered record makes no second file");
        }
        assertEquals(delivered + 1, latency.count(), "accept-to-delivered timed once, not for the duplicate");
        String fileId = given().get("/api/mailboxes/bob@example.test/messages").then().statusCode(200)
                .body("subject", hasItem("grüße " + id)).extract().path("find { it.subject == 'grüße " + id + "' }.id");
        String raw = given().get("/api/mailboxes/bob@example.test/messages/" + fileId).then().statusCode(200)
                .contentType("message/rfc822").extract().asString();
        assertEquals("Return-Path: <sender@y.test>\r\nDelivered-To: bob@example.test\r\n" + msg, raw);
        given().get("/api/mailboxes/bob@example.test/messages/..%2F..%2Fetc").then().statusCode(404);
    }

    /**
     * One record for a message's every local copy (as routing writes it): a file in each mailbox its
     * recipients name, each with its own Delivered-To; a mailbox that vanished bounces for its
     * recipient alone, a full one waits in the retry tiers alone, keyed by that mailbox; the record
     * read again makes no second file anywhere.
     */
    @Test
    void oneRecordIsDeliveredToEveryMailboxItNamesAndEachFailsAlone() throws Exception {
        given().contentType(ContentType.JSON).body("{}").put("/api/mailboxes/lena@example.test").then().statusCode(201);
        given().contentType(ContentType.JSON).body("{}").put("/api/mailboxes/omar@example.test").then().statusCode(201);
        given().contentType(ContentType.JSON).body("{\"quotaBytes\": 10}").put("/api/mailboxes/pia@example.test")
                .then().statusCode(201);
        String id = id();
        String msg = "Subject: " + id + "\r\n\r\nto four\r\n";
        var envelope = Envelope.received(id, java.time.Instant.now(), new Envelope.Client("127.0.0.1", "t", false, null),
                "sender@y.test", java.util.List.of(Recipient.of("Lena@example.test").withMailbox("lena@example.test"),
                        Recipient.of("team@example.test").withMailbox("omar@example.test"),
                        Recipient.of("gone@example.test").withMailbox("gone@example.test"),
                        Recipient.of("pia@example.test").withMailbox("pia@example.test")), 10);
        Topics4Test.send(Topics.DELIVERY, id, envelope, msg);
        Topics4Test.send(Topics.DELIVERY, id, envelope, msg);
        await().atMost(Duration.ofSeconds(30)).until(() -> Topics4Test.read(Topics.EVENTS).stream()
                .filter(r -> Topics4Test.text(r).contains(id) && (Topics4Test.text(r).contains("\"type\":\"delivered\"")
                        || Topics4Test.text(r).contains("\"type\":\"duplicate\""))).count() == 4);
        for (String user : new String[] {"lena", "omar"}) {
            Path fresh = ROOT.resolve("example.test/" + user + "/Maildir/new");
            try (Stream<Path> s = Files.list(fresh)) {
                var ours = s.filter(p -> read(p).contains(id)).toList();
                assertEquals(1, ours.size(), user + ": one file, the record read twice");
                assertTrue(read(ours.get(0)).startsWith("Return-Path: <sender@y.test>\r\nDelivered-To: " + user
                        + "@example.test\r\n"), read(ours.get(0)));
            }
        }
        assertEquals(0, files(ROOT.resolve("example.test/pia/Maildir/new")), "over quota");
        await().atMost(Duration.ofSeconds(30)).until(() -> !deferred(id).isEmpty());
        var waiting = deferred(id).get(0);
        assertEquals("pia@example.test", waiting.key());
        assertEquals(java.util.List.of("pia@example.test"), dev.mailpipe.model.MailRecords.envelope(waiting).recipients()
                .stream().map(Recipient::address).toList(), "only the full mailbox's recipient waits");
        await().atMost(Duration.ofSeconds(30)).until(() -> Topics4Test.read(Topics.NOTICES).stream()
                .anyMatch(r -> Topics4Test.text(r).contains(id) && Topics4Test.text(r).contains("Status: 5.1.1")));
        String bounce = Topics4Test.read(Topics.NOTICES).stream().map(Topics4Test::text).filter(t -> t.contains(id))
                .findFirst().orElseThrow();
        assertTrue(bounce.contains("Final-Recipient: rfc822; gone@example.test"), bounce);
        assertFalse(bounce.contains("Final-Recipient: rfc822; Lena@example.test"), "the delivered ones do not bounce");
    }

    /** Spam the content filter let through goes to the Maildir++ Junk folder, once, and never the inbox. */
    @Test
    void junkIsDeliveredIntoTheJunkFolderOnce() throws Exception {
        String id = id();
        String msg = "Subject: cheap " + id + "\r\n\r\nbuy\r\n";
        var envelope = Topics4Test.envelope(id, "bob@example.test").withContentScan("rspamd: add header, score 8.00/15.00", true);
        Topics4Test.send(Topics.DELIVERY, "bob@example.test", envelope, msg);
        Topics4Test.send(Topics.DELIVERY, "bob@example.test", envelope, msg);
        Path junk = ROOT.resolve("example.test/bob/Maildir/.Junk/new");
        await().atMost(Duration.ofSeconds(30)).until(() -> Topics4Test.read(Topics.EVENTS).stream()
                .filter(r -> Topics4Test.text(r).contains(id)).count() == 2);
        try (Stream<Path> s = Files.list(junk)) {
            assertEquals(1, s.filter(p -> read(p).contains(id)).count(), "in Junk once, a redelivery included");
        }
        Path inbox = ROOT.resolve("example.test/bob/Maildir/new");
        assertTrue(Files.isDirectory(inbox) && Files.isDirectory(inbox.resolveSibling("cur")), "the inbox is a Maildir too");
        assertTrue(Files.exists(junk.resolveSibling("maildirfolder")));
        try (Stream<Path> s = Files.list(inbox)) {
            assertEquals(0, s.filter(p -> read(p).contains(id)).count(), "not in the inbox");
        }
    }

    /** A mailbox whose owner turned the Junk folder off in the registry gets its spam in the inbox. */
    @Test
    void aMailboxWithoutJunkFolderGetsTaggedSpamInItsInbox() throws Exception {
        given().contentType(ContentType.JSON).body("{\"junkFolder\": false}").put("/api/mailboxes/hana@example.test")
                .then().statusCode(201).body("junkFolder", equalTo(false));
        String id = id();
        var envelope = Topics4Test.envelope(id, "hana@example.test").withContentScan("rspamd: add header", true);
        Topics4Test.send(Topics.DELIVERY, "hana@example.test", envelope, "Subject: " + id + "\r\n\r\nx\r\n");
        Path inbox = ROOT.resolve("example.test/hana/Maildir/new");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.isDirectory(inbox) && files(inbox) == 1);
        assertFalse(Files.exists(ROOT.resolve("example.test/hana/Maildir/.Junk")));
        given().contentType(ContentType.JSON).body("{\"quotaBytes\": 0}").put("/api/mailboxes/hana@example.test")
                .then().statusCode(200).body("junkFolder", equalTo(false));
    }

    @Test
    void addressesThatWouldEscapeTheRootAreDeadLettered() throws Exception {
        String id = id();
        Topics4Test.send(Topics.DELIVERY, "../../escape@example.test", Topics4Test.envelope(id, "x@example.test"), "x " + id);
        await().atMost(Duration.ofSeconds(30)).until(() -> Topics4Test.read(Topics.DEAD_LETTER).stream()
                .anyMatch(r -> Topics4Test.text(r).contains(id)));
        var dead = Topics4Test.read(Topics.DEAD_LETTER).stream().filter(r -> Topics4Test.text(r).contains(id)).findFirst().orElseThrow();
        assertEquals("delivery-service", Topics4Test.header(dead, RecordHeaders.DEAD_LETTER_STAGE));
        assertEquals(Topics.DELIVERY, Topics4Test.header(dead, RecordHeaders.DEAD_LETTER_TOPIC));
        assertFalse(Files.exists(Path.of("target/escape@example.test")));
        assertFalse(Files.exists(ROOT.getParent().resolve("escape")));
    }

    @Test
    void recordsWithoutEnvelopeAreDeadLetteredAndTheStageGoesOn() throws Exception {
        String id = id();
        Topics4Test.send(Topics.DELIVERY, "alice@example.test", null, "no envelope " + id);
        await().atMost(Duration.ofSeconds(30)).until(() -> Topics4Test.read(Topics.DEAD_LETTER).stream()
                .anyMatch(r -> Topics4Test.text(r).contains(id)
                        && Topics4Test.header(r, RecordHeaders.DEAD_LETTER_REASON).contains("no mailpipe-envelope")));
        String next = id();
        Topics4Test.send(Topics.DELIVERY, "alice@example.test", Topics4Test.envelope(next, "alice@example.test"), "Subject: " + next + "\r\n\r\nx\r\n");
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            try (Stream<Path> s = Files.list(ROOT.resolve("example.test/alice/Maildir/new"))) {
                return s.anyMatch(p -> read(p).contains(next));
            } catch (java.io.IOException e) {
                return false;
            }
        });
    }

    @Test
    void anUnknownMailboxBouncesToTheSender() throws Exception {
        String id = id();
        Topics4Test.send(Topics.DELIVERY, "ghost@example.test", Topics4Test.envelope(id, "ghost@example.test"), "Subject: " + id + "\r\n\r\nx\r\n");
        await().atMost(Duration.ofSeconds(30)).until(() -> Topics4Test.read(Topics.NOTICES).stream()
                .anyMatch(r -> Topics4Test.text(r).contains(id) && Topics4Test.text(r).contains("Status: 5.1.1")));
    }

    @Test
    void aFaultThatClearsWithinTheLocalAttemptsIsDeliveredHere() throws Exception {
        given().contentType(ContentType.JSON).body("{}").put("/api/mailboxes/carol@example.test").then().statusCode(201);
        Path maildir = ROOT.resolve("example.test/carol/Maildir");
        Files.createDirectories(maildir);
        Path blocker = maildir.resolve("tmp");
        Files.writeString(blocker, "not a directory");
        String id = id();
        double before = allFailures();
        Topics4Test.send(Topics.DELIVERY, "carol@example.test", Topics4Test.envelope(id, "carol@example.test"), "Subject: " + id + "\r\n\r\nx\r\n");
        await().atMost(Duration.ofSeconds(30)).until(() -> allFailures() >= before + 1);
        Files.delete(blocker);
        await().atMost(Duration.ofSeconds(30)).until(() -> files(maildir.resolve("new")) == 1);
        assertTrue(deferred(id).isEmpty(), "delivered here, not handed on");
    }

    @Test
    void aMailboxThatStaysUnwritableGoesToTheRetryTiersAndThePartitionMovesOn() throws Exception {
        given().contentType(ContentType.JSON).body("{}").put("/api/mailboxes/henry@example.test").then().statusCode(201);
        given().contentType(ContentType.JSON).body("{}").put("/api/mailboxes/iris@example.test").then().statusCode(201);
        Path maildir = ROOT.resolve("example.test/henry/Maildir");
        Files.createDirectories(maildir);
        Files.writeString(maildir.resolve("tmp"), "not a directory");
        String stuck = id();
        String next = id();
        Topics4Test.send(Topics.DELIVERY, "henry@example.test", Topics4Test.envelope(stuck, "henry@example.test"),
                "Subject: " + stuck + "\r\n\r\nx\r\n");
        Topics4Test.send(Topics.DELIVERY, "iris@example.test", Topics4Test.envelope(next, "iris@example.test"),
                "Subject: " + next + "\r\n\r\nx\r\n");
        await().atMost(Duration.ofSeconds(30)).until(() -> !deferred(stuck).isEmpty());
        var envelope = dev.mailpipe.model.MailRecords.envelope(deferred(stuck).get(0));
        String reason = envelope.text(dev.mailpipe.model.Envelope.LAST_DEFERRAL).orElseThrow();
        assertTrue(reason.startsWith("4.3.0 cannot write to the mailbox of henry@example.test after 3 attempts"), reason);
        await().atMost(Duration.ofSeconds(30)).until(() -> files(ROOT.resolve("example.test/iris/Maildir/new")) == 1);
        assertEquals(0, files(maildir.resolve("new")));
    }

    /** The records of {@code mail.retry.1} whose message holds {@code id}. */
    private static java.util.List<org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>> deferred(String id) {
        return Topics4Test.read(Topics.RETRY_PREFIX + "1").stream().filter(r -> Topics4Test.text(r).contains(id)).toList();
    }

    /**
     * A mailbox whose new/ cannot be written. Root ignores mode bits, so as root the directory is
     * made immutable (chattr +i, which stops root too); anyone else is stopped by its mode.
     */
    @Test
    void aReadOnlyMailboxDirectoryHandsTheMessageToTheRetryTiersNotLost() throws Exception {
        given().contentType(ContentType.JSON).body("{}").put("/api/mailboxes/frank@example.test").then().statusCode(201);
        Path fresh = ROOT.resolve("example.test/frank/Maildir/new");
        Files.createDirectories(fresh);
        Files.createDirectories(fresh.resolveSibling("tmp"));
        Files.createDirectories(fresh.resolveSibling("cur"));
        assertTrue(readOnly(fresh, true), "cannot make " + fresh + " read-only");
        try {
            String id = id();
            double before = allFailures();
            Topics4Test.send(Topics.DELIVERY, "frank@example.test", Topics4Test.envelope(id, "frank@example.test"),
                    "Subject: " + id + "\r\n\r\nx\r\n");
            await().atMost(Duration.ofSeconds(30)).until(() -> !deferred(id).isEmpty());
            assertEquals(0, files(fresh), "nothing could be written");
            String reason = dev.mailpipe.model.MailRecords.envelope(deferred(id).get(0))
                    .text(dev.mailpipe.model.Envelope.LAST_DEFERRAL).orElseThrow();
            assertTrue(reason.startsWith("4.3.0 "), reason);
        } finally {
            readOnly(fresh, false);
        }
        try (Stream<Path> s = Files.list(fresh.resolveSibling("tmp"))) {
            assertEquals(0, s.count(), "no half-written file is left behind");
        }
    }

    /**
     * A full file system: the mailbox is a 64 KiB tmpfs, nearly filled. After the local attempts the
     * message waits in the retry tiers as 4.3.1 (mail system full), and nothing half written is
     * left. Mounting takes root, which the README's test command has (it installs the peers); a
     * run without it fails here, saying so, rather than passing untested.
     */
    @Test
    void aFullFileSystemHandsTheMessageToTheRetryTiersAs431() throws Exception {
        given().contentType(ContentType.JSON).body("{}").put("/api/mailboxes/gina@example.test").then().statusCode(201);
        Path mailbox = ROOT.resolve("example.test/gina");
        Files.createDirectories(mailbox);
        assertTrue(run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mailbox.toAbsolutePath().toString()),
                "cannot mount a 64 KiB tmpfs on " + mailbox + ": this test needs root (CAP_SYS_ADMIN)");
        try {
            Path filler = mailbox.resolve("filler");
            Files.write(filler, new byte[60 * 1024]);
            Path fresh = mailbox.resolve("Maildir/new");
            double before = failures("FileSystemException") + failures("IOException");
            String id = id();
            Topics4Test.send(Topics.DELIVERY, "gina@example.test", Topics4Test.envelope(id, "gina@example.test"),
                    "Subject: " + id + "\r\n\r\n" + "x".repeat(16 * 1024) + "\r\n");
            await().atMost(Duration.ofSeconds(30)).until(() -> failures("FileSystemException") + failures("IOException") > before);
            await().atMost(Duration.ofSeconds(30)).until(() -> !deferred(id).isEmpty());
            assertEquals(0, files(fresh), "nothing delivered while the disk is full");
            String reason = dev.mailpipe.model.MailRecords.envelope(deferred(id).get(0))
                    .text(dev.mailpipe.model.Envelope.LAST_DEFERRAL).orElseThrow();
            assertTrue(reason.startsWith("4.3.1 ") && reason.contains("No space left on device"), reason);
            try (Stream<Path> tmp = Files.list(mailbox.resolve("Maildir/tmp"))) {
                assertEquals(0, tmp.count(), "no partial file is left in tmp/");
            }
        } finally {
            // Lazily if something still holds it: a mount must never outlive the test.
            if (!run("umount", mailbox.toAbsolutePath().toString())) {
                run("umount", "-l", mailbox.toAbsolutePath().toString());
            }
        }
    }

    @jakarta.inject.Inject
    io.micrometer.core.instrument.MeterRegistry meters;

    /** Failed writes so far, whatever the reason. */
    private double allFailures() {
        return meters.find("mailpipe.delivery.failures").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private double failures(String reason) {
        var c = meters.find("mailpipe.delivery.failures").tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    private static boolean run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor() == 0;
    }

    /** Root: the immutable flag (mode bits do not stop root); anyone else: the mode. */
    private static boolean readOnly(Path dir, boolean on) throws Exception {
        if ("root".equals(System.getProperty("user.name"))) {
            return run("chattr", on ? "+i" : "-i", dir.toString());
        }
        return dir.toFile().setWritable(!on, false);
    }

    @Test
    void overQuotaMailWaitsInTheRetrySchedule() throws Exception {
        given().contentType(ContentType.JSON).body("{\"quotaBytes\": 10}").put("/api/mailboxes/dave@example.test")
                .then().statusCode(201).body("quotaBytes", equalTo(10));
        String id = id();
        Topics4Test.send(Topics.DELIVERY, "dave@example.test", Topics4Test.envelope(id, "dave@example.test"), "Subject: " + id + "\r\n\r\ntoo big\r\n");
        await().atMost(Duration.ofSeconds(30)).until(() -> Topics4Test.read(Topics.RETRY_PREFIX + "1").stream()
                .anyMatch(r -> Topics4Test.text(r).contains(id)));
        assertEquals(0, files(ROOT.resolve("example.test/dave/Maildir/new")));
    }

    @Test
    void aMailboxMayBeGrantedSendersForItsLogin() {
        given().contentType(ContentType.JSON).body("{\"password\": \"svc-Passw0rd\", \"sendAs\": [\"@Notices.Example.test\", \"Alerts@Example.test\"]}")
                .put("/api/mailboxes/svc@example.test").then().statusCode(201)
                .body("sendAs", hasItem("@notices.example.test")).body("sendAs", hasItem("alerts@example.test"));
        // A later change without sendAs keeps the grant; a bad entry is refused.
        given().contentType(ContentType.JSON).body("{\"quotaBytes\": 5}").put("/api/mailboxes/svc@example.test")
                .then().statusCode(200).body("sendAs", hasItem("@notices.example.test"));
        given().contentType(ContentType.JSON).body("{\"sendAs\": [\"@\"]}").put("/api/mailboxes/svc@example.test")
                .then().statusCode(400);
        var stored = Topics4Test.read(Topics.ACCOUNTS).stream().filter(r -> "svc@example.test".equals(r.key()))
                .reduce((a, b) -> b).orElseThrow();
        assertTrue(Topics4Test.text(stored).contains("\"sendAs\":[\"@notices.example.test\",\"alerts@example.test\"]"),
                Topics4Test.text(stored));
    }

    @Test
    void theRegistryApiStoresOnlyAPasswordHash() {
        given().contentType(ContentType.JSON).body("{\"password\": \"s3cret-Passw0rd\"}")
                .put("/api/mailboxes/Erin@Example.test").then().statusCode(201)
                .body("address", equalTo("erin@example.test")).body("canAuthenticate", equalTo(true))
                .body(not(containsString("s3cret")));
        given().get("/api/mailboxes").then().statusCode(200).body("address", hasItem("erin@example.test"))
                .body(not(containsString("pbkdf2")));
        var stored = Topics4Test.read(Topics.ACCOUNTS).stream().filter(r -> "erin@example.test".equals(r.key()))
                .reduce((a, b) -> b).orElseThrow();
        assertTrue(Topics4Test.text(stored).contains("pbkdf2-sha256$600000$"), Topics4Test.text(stored));
        assertFalse(Topics4Test.text(stored).contains("s3cret"));
        given().contentType(ContentType.JSON).body("{\"password\": \"x\"}").put("/api/mailboxes/..%2Fevil@example.test")
                .then().statusCode(400);
        given().contentType(ContentType.JSON).body("{}").put("/api/mailboxes/not-an-address").then().statusCode(400);
        given().delete("/api/mailboxes/nobody@example.test").then().statusCode(404);
        given().delete("/api/mailboxes/erin@example.test").then().statusCode(204);
        given().get("/api/mailboxes/erin@example.test").then().statusCode(404);
    }

    @Test
    void aliasesAndCatchAllsAreRegistryEntries() {
        given().contentType(ContentType.JSON).body("{\"targets\": [\"alice@example.test\", \"ext@remote.test\"]}")
                .put("/api/aliases/team@example.test").then().statusCode(201);
        given().get("/api/aliases").then().body("address", hasItem("team@example.test"));
        given().contentType(ContentType.JSON).body("{\"targets\": [\"alice@example.test\"]}")
                .put("/api/aliases/alice@example.test").then().statusCode(400);
        given().contentType(ContentType.JSON).body("{\"target\": \"alice@example.test\"}")
                .put("/api/domains/example.test/catch-all").then().statusCode(200).body("target", equalTo("alice@example.test"));
        given().delete("/api/domains/example.test/catch-all").then().statusCode(204);
        given().delete("/api/aliases/team@example.test").then().statusCode(204);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
