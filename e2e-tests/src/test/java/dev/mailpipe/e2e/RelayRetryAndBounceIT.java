package dev.mailpipe.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.model.Topics;
import dev.mailpipe.peers.ConsumerLag;
import dev.mailpipe.peers.SmtpSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What happens to relayed mail that cannot go now or ever: the retry tiers (2 s each in this run),
 * the delay warning (after 5 s), the queue lifetime (15 s in this run), and bounces that come back
 * to a local sender's Maildir.
 */
@ExtendWith(SharedPipeline.class)
@Tag("e2e")
class RelayRetryAndBounceIT {
    @TempDir
    Path tmp;

    private static Pipeline pipeline() {
        return SharedPipeline.get().pipeline;
    }

    @Test
    void mailForAnUnreachableMxWaitsAndGoesWhenItComesUp() throws Exception {
        Path msg = Swaks.message(tmp, "later.eml", "From: bob@example.test", "To: x@later.remote.test",
                "Subject: retried", "", "the MX is down at first");
        assertTrue(Swaks.send(pipeline().smtpPort, "bob@example.test", List.of("x@later.remote.test"), msg)
                .contains("250 2.0.0 Ok: queued as"));
        await().atMost(Duration.ofSeconds(30)).until(() -> pipeline().log("relay-service").contains("deferred"));
        try (SmtpSink sink = SmtpSink.start("127.0.0.5", SharedPipeline.get().smtpPort, tmp.resolve("later"), "accept")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> sink.messages().stream()
                    .anyMatch(p -> read(p).contains("Subject: retried")));
            assertEquals(1, sink.messages().stream().filter(p -> read(p).contains("Subject: retried")).count());
        }
    }

    @Test
    void aPermanentRefusalBouncesOnceToTheLocalSender() throws Exception {
        try (SmtpSink sink = SmtpSink.start("127.0.0.2", SharedPipeline.get().smtpPort, tmp.resolve("mx1"), "reject")) {
            Path msg = Swaks.message(tmp, "rejected.eml", "From: bob@example.test", "To: nobody@remote.test",
                    "Subject: will bounce 5xx", "", "the MX answers 550 to RCPT");
            assertTrue(Swaks.send(pipeline().smtpPort, "bob@example.test", List.of("nobody@remote.test"), msg)
                    .contains("250 2.0.0 Ok: queued as"));
            Path bobNew = pipeline().maildir("example.test", "bob").resolve("new");
            await().atMost(Duration.ofSeconds(60)).until(() -> dsnsFor(bobNew, "will bounce 5xx").size() == 1);
            String dsn = Files.readString(dsnsFor(bobNew, "will bounce 5xx").get(0));
            assertTrue(dsn.startsWith("Return-Path: <>\r\n"), "a bounce comes from the null sender");
            assertTrue(dsn.contains("Content-Type: multipart/report; report-type=delivery-status"));
            assertTrue(dsn.contains("Final-Recipient: rfc822; nobody@remote.test\r\nAction: failed\r\nStatus: 5.1.1"));
            assertTrue(dsn.contains("Diagnostic-Code: smtp; 550 5.1.1 no such user here"));
            // Once relay, routing and delivery have committed past all their input, no second DSN
            // can be on its way.
            String kafka = pipeline().bootstrapServers();
            await().atMost(Duration.ofSeconds(60)).until(() -> ConsumerLag.caughtUp(kafka, "relay-service", Topics.RELAY)
                    && ConsumerLag.caughtUp(kafka, "routing-service", Topics.INBOUND)
                    && ConsumerLag.caughtUp(kafka, "routing-notices", Topics.NOTICES)
                    && ConsumerLag.caughtUp(kafka, "delivery-service", Topics.DELIVERY));
            assertEquals(1, dsnsFor(bobNew, "will bounce 5xx").size(), "exactly one bounce");
        }
    }

    @Test
    void mailOlderThanTheQueueLifetimeBounces() throws Exception {
        Path msg = Swaks.message(tmp, "deadend.eml", "From: bob@example.test", "To: y@deadend.remote.test",
                "Subject: never delivered", "", "no MX ever answers");
        assertTrue(Swaks.send(pipeline().smtpPort, "bob@example.test", List.of("y@deadend.remote.test"), msg)
                .contains("250 2.0.0 Ok: queued as"));
        Path bobNew = pipeline().maildir("example.test", "bob").resolve("new");
        await().atMost(Duration.ofSeconds(90)).until(() -> dsnsFor(bobNew, "never delivered").size() == 1);
        String dsn = Files.readString(dsnsFor(bobNew, "never delivered").get(0));
        assertTrue(dsn.contains("Status: 4.4.7"), dsn);
        List<Path> warnings = reports(bobNew, "Delayed Mail (still being retried)", "never delivered");
        assertEquals(1, warnings.size(), "one delay warning, however many retries");
        assertTrue(Files.readString(warnings.get(0)).contains("Action: delayed"));
    }

    private static List<Path> dsnsFor(Path dir, String subject) throws Exception {
        return reports(dir, "Undelivered Mail Returned to Sender", subject);
    }

    private static List<Path> reports(Path dir, String kind, String subject) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> read(p).contains(kind) && read(p).contains(subject)).toList();
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
