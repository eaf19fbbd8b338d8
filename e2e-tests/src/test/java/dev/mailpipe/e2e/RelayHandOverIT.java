package dev.mailpipe.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.peers.DnsServer;
import dev.mailpipe.peers.Loopback;
import dev.mailpipe.peers.SmtpSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two relay replicas and a remote MX that takes 1.5 s to accept each message, so dozens of
 * deliveries are under way at any moment. A replica stopped as an orchestrator stops a pod, and
 * back: two rebalances with deliveries in flight, and each message reaches the MX exactly once.
 * A replica killed -9: only what it had in flight is sent again.
 */
@Tag("e2e")
class RelayHandOverIT {
    private static final int MESSAGES = 160;
    private static final Pattern SUBJECT = Pattern.compile("^Subject: (handover-\\d+)", Pattern.MULTILINE);

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void partitionsMovingWithDeliveriesUnderWaySendNothingTwice() throws Exception {
        int port = Loopback.freePort("127.0.0.7");
        try (DnsServer dns = DnsServer.start(tmp.resolve("dns"), "remote.test");
                SmtpSink remote = SmtpSink.start("127.0.0.7", port, tmp.resolve("remote"), "lagging");
                Pipeline p = Pipeline.relaying(tmp.resolve("pipeline"), dns, port, Map.of(
                        "MAILPIPE_REPLICAS", "relay-service=2",
                        "KAFKA_SESSION_TIMEOUT_MS", "6000"));
                // Eight destination domains, so both partitions of mail.relay carry mail.
                SmtpLoad load = new SmtpLoad(p.smtpPort, "handover", i -> "user" + i + "@d" + (i % 8) + ".handover.remote.test")) {
            p.awaitGroup("relay-service", 2, Duration.ofMinutes(2));
            Thread stopper = new Thread(() -> {
                try {
                    Thread.sleep(4000);
                    p.stop("relay-service-2");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            stopper.start();
            load.run(MESSAGES, 20);
            load.awaitAll();
            stopper.join();
            for (int i = 0; i < MESSAGES; i++) {
                assertTrue(load.accepted(i), "message " + i + ": " + load.outcomes.get(i));
            }
            Path inbox = tmp.resolve("remote").resolve("inbox");
            try {
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> arrivals(inbox).size() == MESSAGES);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError(arrivals(inbox).size() + " of " + MESSAGES + " arrived; the relays said:\n"
                        + notable(p.log("relay-service")) + "\n--- relay-service-2:\n" + notable(p.log("relay-service-2")), e);
            }
            // Back to two members: the second rebalance, as the supervisor restarted the stopped replica.
            p.awaitGroup("relay-service", 2, Duration.ofMinutes(2));
            Thread.sleep(5000); // what a rebalance would send twice arrives within seconds

            Map<String, Integer> seen = arrivals(inbox);
            List<String> twice = seen.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
            assertEquals(List.of(), twice, "sent twice");
            assertEquals(MESSAGES, seen.size());
            assertEquals(1, p.restarts("relay-service-2"), p.launcherLog());
            String logs = p.log("relay-service") + p.log("relay-service-2");
            assertTrue(logs.contains("every delivery under way finished"), "a hand-over waited for its deliveries");
            assertFalse(logs.contains("still under way after"), "no delivery was abandoned");
        }
    }

    /**
     * kill -9 of one of two relay replicas while it has deliveries under way to a lagging site and a
     * fast one: every message arrives, and only what was in flight at the kill arrives twice (the
     * commit's metadata tells the next owner what had finished above the oldest delivery in flight).
     */
    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void aKilledReplicaLeavesOnlyItsDeliveriesInFlightToBeSentAgain() throws Exception {
        int port = Loopback.freePort("127.0.0.7", "127.0.0.8");
        int messages = 300;
        try (DnsServer dns = DnsServer.start(tmp.resolve("dns"), "remote.test");
                SmtpSink lagging = SmtpSink.start("127.0.0.7", port, tmp.resolve("lagging"), "lagging");
                SmtpSink quick = SmtpSink.start("127.0.0.8", port, tmp.resolve("quick"), "accept");
                Pipeline p = Pipeline.relaying(tmp.resolve("pipeline"), dns, port, Map.of(
                        "MAILPIPE_REPLICAS", "relay-service=2",
                        "KAFKA_SESSION_TIMEOUT_MS", "6000"));
                SmtpLoad load = new SmtpLoad(p.smtpPort, "handover", i -> "user" + i + "@d" + (i % 8)
                        + (i % 2 == 0 ? ".handover" : ".quick") + ".remote.test")) {
            p.awaitGroup("relay-service", 2, Duration.ofMinutes(2));
            long[] killedAt = new long[1];
            Thread killer = new Thread(() -> {
                try {
                    Thread.sleep(5000);
                    killedAt[0] = System.nanoTime();
                    p.kill("relay-service-2");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            killer.start();
            load.run(messages, 30);
            load.awaitAll();
            killer.join();
            Path[] inboxes = {tmp.resolve("lagging").resolve("inbox"), tmp.resolve("quick").resolve("inbox")};
            try {
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> arrivals(inboxes).size() == messages);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError(arrivals(inboxes).size() + " of " + messages + " arrived", e);
            }
            p.awaitGroup("relay-service", 2, Duration.ofMinutes(2));
            Thread.sleep(5000);
            Map<String, Integer> seen = arrivals(inboxes);
            List<String> twice = seen.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
            System.out.println("kill -9 of a relay replica: " + twice.size() + " of " + messages
                    + " messages reached their MX twice: " + twice);
            // In flight at the kill, at most: the two sites' windows (20 each) of the killed replica.
            assertTrue(twice.size() <= 40, "sent twice: " + twice);
            for (String subject : twice) {
                int i = Integer.parseInt(subject.substring("handover-".length()));
                assertTrue(load.acceptedAt.get(i) < killedAt[0], subject + " was accepted after the kill, yet sent twice");
            }
        }
    }

    /** The lines of a log an operator would look at first. */
    private static String notable(String log) {
        return log.lines().filter(l -> l.contains("WARN") || l.contains("ERROR") || l.contains("handing over")
                || l.contains("moved to another replica")).limit(60).reduce("", (a, b) -> a + b + "\n");
    }

    private static Map<String, Integer> arrivals(Path... inboxes) throws IOException {
        Map<String, Integer> seen = new TreeMap<>();
        for (Path inbox : inboxes) {
            if (!Files.isDirectory(inbox)) {
                continue;
            }
            try (Stream<Path> files = Files.list(inbox)) {
                for (Path f : files.filter(x -> x.toString().endsWith(".eml")).toList()) {
                    Matcher m = SUBJECT.matcher(Files.readString(f, StandardCharsets.ISO_8859_1));
                    if (m.find()) {
                        seen.merge(m.group(1), 1, Integer::sum);
                    }
                }
            }
        }
        return seen;
    }
}
