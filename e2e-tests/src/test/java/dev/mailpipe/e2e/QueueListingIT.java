package dev.mailpipe.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailpipe.peers.SmtpSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./mailpipe queue}: mail the remote MX answers with 451 waits in a retry tier, and the
 * listing shows it under its destination domain with the tier, the attempt and the MX's reply;
 * once the MX accepts, it is delivered and the queue is empty of it.
 */
@ExtendWith(SharedPipeline.class)
@Tag("e2e")
class QueueListingIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void deferredMailIsListedByDomainWithItsTierAttemptAndReason() throws Exception {
        Pipeline p = SharedPipeline.get().pipeline;
        int port = SharedPipeline.get().smtpPort;
        // The sender's own mailbox: a delay notice or a bounce, should the MX stay busy, lands there.
        p.createMailbox("quinn@example.test");
        Path msg = Swaks.message(tmp, "q.eml", "From: quinn@example.test", "To: quentin@remote.test", "Subject: queued", "", "q");
        AtomicReference<JsonNode> seen = new AtomicReference<>();
        try (SmtpSink busy = SmtpSink.start("127.0.0.2", port, tmp.resolve("busy"), "tempfail")) {
            String sent = Swaks.send(p.smtpPort, "quinn@example.test", List.of("quentin@remote.test"), msg);
            assertTrue(sent.contains("250 2.0.0"), sent);
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() -> {
                for (JsonNode m : queue(p)) {
                    if (m.path("recipients").toString().contains("quentin@remote.test")) {
                        seen.set(m);
                        return true;
                    }
                }
                return false;
            });
            // The message leaves the tier every 2 s (this pipeline's delay) for another try at the
            // busy MX: the screen is asked again until it finds it waiting.
            AtomicReference<String> screen = new AtomicReference<>("");
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() -> {
                screen.set(p.launcher("queue").output());
                return screen.get().contains("remote.test: ") && screen.get().contains("quentin@remote.test");
            });
        }
        JsonNode m = seen.get();
        assertEquals("remote.test", m.path("destination").asText());
        assertTrue(m.path("tier").asText().matches("[1-5]"), m.toString());
        assertTrue(m.path("attempt").asInt() >= 1, m.toString());
        assertEquals("quinn@example.test", m.path("sender").asText());
        assertTrue(m.path("lastReason").asText().contains("451"), "the MX's reply: " + m);

        try (SmtpSink open = SmtpSink.start("127.0.0.2", port, tmp.resolve("open"), "accept")) {
            await().atMost(Duration.ofSeconds(30)).until(() -> open.messages().size() == 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> !queue(p).toString().contains("quentin@remote.test"));
        }
        assertEquals(2, p.launcher("queue", "--bogus").exitCode(), "a wrong option is refused");
    }

    private static JsonNode queue(Pipeline p) throws Exception {
        Pipeline.Answer a = p.launcher("queue", "--json");
        assertEquals(0, a.exitCode(), a.output());
        return JSON.readTree(a.output());
    }
}
