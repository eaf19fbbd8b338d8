package dev.mailpipe.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.peers.SmtpSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A site's rate holds across relay replicas: one message to {@value #MESSAGES} destination
 * domains that share one MX host (one site, {@code rated-mx.remote.test}, with
 * {@value #PER_MINUTE} messages a minute in the shared pipeline's shaping file) is as many
 * deliveries at once; two relay replicas run, and the MX sees the site's rate, not twice it.
 * Routing keys {@code mail.relay} by site, so all of the site's mail meets one replica and its one
 * bucket; keyed by domain, the domains would be spread over both replicas, each with a bucket of
 * its own, and the whole burst would arrive at once.
 */
@ExtendWith(SharedPipeline.class)
@Tag("e2e")
class SiteRateAcrossReplicasIT {
    static final int PER_MINUTE = 12;
    private static final int MESSAGES = PER_MINUTE + 4;

    @TempDir
    Path tmp;

    @Test
    void twoRelayReplicasKeepOneSitesRateBetweenThem() throws Exception {
        Pipeline p = SharedPipeline.get().pipeline;
        try (SmtpSink mx = SmtpSink.start("127.0.0.14", SharedPipeline.get().smtpPort, tmp.resolve("rated"), "accept")) {
            Pipeline.Answer scaled = p.launcher("scale", "relay-service", "2");
            assertEquals(0, scaled.exitCode(), scaled.output());
            p.awaitGroup("relay-service", 2, Duration.ofMinutes(2));
            Path msg = Swaks.message(tmp, "rated.eml", "From: bob@example.test", "To: many", "Subject: rated", "", "x");
            List<String> recipients = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                recipients.add("user@d" + i + ".rated.remote.test");
            }
            assertTrue(Swaks.send(p.smtpPort, "bob@example.test", recipients, msg).contains("250 2.0.0"));
            await().atMost(Duration.ofSeconds(90)).until(() -> mx.messages().size() == MESSAGES);
            List<Long> arrivals = arrivals(mx);
            long first = arrivals.get(0);
            // The bucket holds a minute's worth; after it one more every 60/PER_MINUTE s.
            long burstWindow = 8_000;
            long inWindow = arrivals.stream().filter(t -> t - first <= burstWindow).count();
            long allowed = PER_MINUTE + burstWindow * PER_MINUTE / 60_000 + 1;
            assertTrue(inWindow <= allowed, inWindow + " arrived within " + burstWindow + " ms of the first; the site allows " + allowed
                    + " (arrivals " + arrivals.stream().map(t -> t - first).toList() + ")");
            long last = arrivals.get(arrivals.size() - 1);
            assertTrue(last - first >= (MESSAGES - PER_MINUTE - 1) * 60_000L / PER_MINUTE - 1000,
                    "past the bucket the rest keep the pace: " + (last - first) + " ms from first to last");
        } finally {
            p.launcher("scale", "relay-service", "1");
        }
    }

    /** When each message reached the MX (its file's time), in order. */
    private static List<Long> arrivals(SmtpSink mx) throws IOException {
        List<Long> out = new ArrayList<>();
        for (Path f : mx.messages()) {
            try {
                out.add(Files.getLastModifiedTime(f).toMillis());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        out.sort(Long::compare);
        return out;
    }
}
