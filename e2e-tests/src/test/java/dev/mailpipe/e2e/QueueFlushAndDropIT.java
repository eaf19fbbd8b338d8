package dev.mailpipe.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailpipe.peers.DnsServer;
import dev.mailpipe.peers.Loopback;
import dev.mailpipe.peers.SmtpSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./mailpipe queue flush} and {@code queue drop} on a pipeline of its own whose first retry
 * waits ten minutes, so that only the operator's command moves the mail: a remote MX answers 451,
 * then accepts. A flush for one domain delivers that domain's message once, the other stays queued;
 * a drop removes it and its sender finds a bounce in the mailbox; unknown ids and domains exit 1.
 * {@code ./mailpipe trace} then shows the flushed message's history: received, routed, deferred
 * (the 451), flushed, relayed (the 250).
 */
@Tag("e2e")
class QueueFlushAndDropIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void flushDeliversOnceAndDropBouncesToTheSender() throws Exception {
        int port = Loopback.freePort("127.0.0.8");
        try (DnsServer dns = DnsServer.start(tmp.resolve("dns"), "remote.test");
                Pipeline p = Pipeline.relaying(tmp.resolve("pipeline"), dns, port, Map.of(
                        "MAILPIPE_RELAY_CONNECT_TIMEOUT", "2s",
                        "MAILPIPE_RETRY_DELAYS", "10m",
                        "MAILPIPE_RELAY_DELAY_WARNING", "1d"))) {
            p.createMailbox("fran@example.test");
            p.createMailbox("dora@example.test");
            Path flushed = Swaks.message(tmp, "f.eml", "From: fran@example.test", "To: x@one.quick.remote.test", "Subject: flush me",
                    "Message-ID: <flush-me@client.test>", "", "f");
            Path dropped = Swaks.message(tmp, "d.eml", "From: dora@example.test", "To: y@two.quick.remote.test", "Subject: drop me", "", "d");
            String dropId;
            String flushId;
            try (SmtpSink busy = SmtpSink.start("127.0.0.8", port, tmp.resolve("busy"), "tempfail")) {
                assertTrue(Swaks.send(p.smtpPort, "fran@example.test", List.of("x@one.quick.remote.test"), flushed).contains("250 2.0.0"));
                assertTrue(Swaks.send(p.smtpPort, "dora@example.test", List.of("y@two.quick.remote.test"), dropped).contains("250 2.0.0"));
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> queue(p).size() == 2);
                dropId = idFor(queue(p), "two.quick.remote.test");
                flushId = idFor(queue(p), "one.quick.remote.test");
            }
            try (SmtpSink open = SmtpSink.start("127.0.0.8", port, tmp.resolve("open"), "accept")) {
                Pipeline.Answer nothing = p.launcher("queue", "flush", "nothing-queued.test");
                assertEquals(1, nothing.exitCode(), nothing.output());
                assertTrue(nothing.output().contains("no deferred mail for nothing-queued.test"), nothing.output());

                Pipeline.Answer flush = p.launcher("queue", "flush", "one.quick.remote.test");
                assertEquals(0, flush.exitCode(), flush.output());
                assertTrue(flush.output().contains("flushed 1 message(s)"), flush.output());
                await().atMost(Duration.ofSeconds(30)).until(() -> open.messages().size() == 1);
                assertTrue(Files.readString(open.messages().get(0), StandardCharsets.ISO_8859_1).contains("Subject: flush me"));
                // The message's history, in order, with the MX's replies; by queue id and by Message-ID.
                // The relay records "relayed" once the MX answered 250, a moment after the sink has it.
                await().atMost(Duration.ofSeconds(15)).until(() -> p.launcher("trace", flushId).output().contains("relayed"));
                Pipeline.Answer trace = p.launcher("trace", flushId);
                assertEquals(0, trace.exitCode(), trace.output());
                String t = trace.output();
                int received = t.indexOf("received"), routed = t.indexOf("routed"), deferred = t.indexOf("deferred"),
                        flushedAt = t.indexOf("flushed"), relayed = t.indexOf("relayed");
                assertTrue(received >= 0 && received < routed && routed < deferred && deferred < flushedAt && flushedAt < relayed, t);
                assertTrue(t.contains("451") && t.contains("250"), "the MX's replies, both: " + t);
                assertTrue(t.contains("x@one.quick.remote.test: relayed at"), "where the recipient stands: " + t);
                JsonNode byMessageId = JSON.readTree(p.launcher("trace", "<flush-me@client.test>", "--json").output());
                assertEquals(flushId, byMessageId.path("id").asText());
                assertEquals(1, p.launcher("trace", "no-such-id").exitCode(), "an unknown id");
                JsonNode left = queue(p);
                assertEquals(1, left.size(), "the other domain still waits: " + left);
                assertEquals(dropId, left.get(0).path("id").asText());

                Pipeline.Answer drop = p.launcher("queue", "drop", dropId);
                assertEquals(0, drop.exitCode(), drop.output());
                Path doraNew = p.maildir("example.test", "dora").resolve("new");
                await().atMost(Duration.ofSeconds(30)).until(() -> Pipeline.fileCount(doraNew) == 1);
                String dsn;
                try (var files = Files.list(doraNew)) {
                    dsn = Files.readString(files.findFirst().orElseThrow(), StandardCharsets.ISO_8859_1);
                }
                assertTrue(dsn.contains("y@two.quick.remote.test") && dsn.contains("removed from the queue"), dsn);
                assertEquals(0, queue(p).size(), "nothing left in the queue");

                Pipeline.Answer again = p.launcher("queue", "drop", dropId);
                assertEquals(1, again.exitCode(), "an id no longer queued: " + again.output());
                Thread.sleep(3000); // a second copy of the flushed message would have arrived by now
                assertEquals(1, open.messages().size(), "the flushed message went once");
                assertFalse(open.messages().stream().anyMatch(m -> read(m).contains("Subject: drop me")), "the dropped one never went");
                assertEquals(2, p.launcher("queue", "drop").exitCode(), "drop needs a queue id");
            }
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.ISO_8859_1);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String idFor(JsonNode queue, String destination) {
        for (JsonNode m : queue) {
            if (m.path("destination").asText().equals(destination)) {
                return m.path("id").asText();
            }
        }
        throw new AssertionError("nothing queued for " + destination + ": " + queue);
    }

    private static JsonNode queue(Pipeline p) throws Exception {
        Pipeline.Answer a = p.launcher("queue", "--json");
        assertEquals(0, a.exitCode(), a.output());
        return JSON.readTree(a.output());
    }
}
