package dev.mailpipe.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.peers.DnsServer;
import dev.mailpipe.peers.Loopback;
import dev.mailpipe.peers.SmtpSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults under a steady load, on the pipeline as {@code ./mailpipe up} runs it: half the mail to
 * local mailboxes, half through the relay to a loopback MX, while every stage and the broker are
 * killed with -9 (the launcher's supervisor restarts them) and the remote MX goes away and comes
 * back. Then it counts, per destination: every message that got 250 arrived; local mailboxes hold
 * each exactly once; the remote MX sees a message twice only if the relay had it in hand when it
 * was killed.
 *
 * <p>{@code -Dfaults.messages} and {@code -Dfaults.rate} set the size: CI runs the small default;
 * {@code bench/faults} runs thousands.
 */
@Tag("fault")
class FaultInjectionIT {
    private static final int MESSAGES = Integer.getInteger("faults.messages", 600);
    private static final double RATE = Double.parseDouble(System.getProperty("faults.rate", "15"));
    private static final Pattern SUBJECT = Pattern.compile("^Subject: (fault-\\d+)", Pattern.MULTILINE);

    @TempDir
    Path tmp;

    private record Fault(double atFraction, String what, Action action) {
    }

    private interface Action {
        void run() throws Exception;
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void everyAcceptedMessageArrivesThroughCrashesOfEveryProcess() throws Exception {
        run(Map.of(), (p, mx) -> List.of(
                new Fault(0.10, "routing-service", () -> p.kill("routing-service")),
                new Fault(0.22, "delivery-service", () -> p.kill("delivery-service")),
                new Fault(0.34, "relay-service", () -> p.kill("relay-service")),
                new Fault(0.46, "remote MX down", mx::stop),
                new Fault(0.55, "smtp-ingress", () -> p.kill("smtp-ingress")),
                new Fault(0.68, "kafka", () -> p.kill("kafka")),
                new Fault(0.80, "remote MX up", mx::start)));
    }

    /** Scale-out: two replicas of each consuming stage share its partitions; one of each is killed. */
    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void twoReplicasOfEachStageKeepTheTotalsWhenOneOfEachIsKilled() throws Exception {
        run(Map.of("MAILPIPE_REPLICAS", "routing-service=2,relay-service=2,delivery-service=2"), (p, mx) -> List.of(
                new Fault(0.15, "routing-service-2", () -> p.kill("routing-service-2")),
                new Fault(0.35, "delivery-service", () -> p.kill("delivery-service")),
                new Fault(0.55, "relay-service-2", () -> p.kill("relay-service-2"))));
    }

    /** The remote MX, which a fault may take away and bring back on the same address and inbox. */
    private static final class RemoteMx implements AutoCloseable {
        final Path dir;
        final int port;
        private SmtpSink sink;

        RemoteMx(Path dir) throws Exception {
            this.dir = dir;
            this.port = Loopback.freePort("127.0.0.7");
            start();
        }

        void start() throws Exception {
            sink = SmtpSink.start("127.0.0.7", port, dir, "accept");
        }

        void stop() throws Exception {
            sink.close();
        }

        @Override
        public void close() throws Exception {
            sink.close();
        }
    }

    private interface FaultPlan {
        List<Fault> of(Pipeline p, RemoteMx mx);
    }

    private void run(Map<String, String> launcherSettings, FaultPlan plan) throws Exception {
        double seconds = MESSAGES / RATE;
        try (DnsServer dns = DnsServer.start(tmp.resolve("dns"), "remote.test"); RemoteMx mx = new RemoteMx(tmp.resolve("remote"))) {
            Path remote = mx.dir;
            Map<String, String> settings = new HashMap<>(launcherSettings);
            settings.putAll(Map.of(
                    "MAILPIPE_ROUTING_DNS_SERVERS", dns.address(),
                    "MAILPIPE_RELAY_PORT", String.valueOf(mx.port),
                    "MAILPIPE_RELAY_CONNECT_TIMEOUT", "2s",
                    "MAILPIPE_RETRY_DELAYS", "2s,2s,2s,2s,2s",
                    // A killed consumer's partitions move to its successor when its session expires.
                    "KAFKA_SESSION_TIMEOUT_MS", "6000"));
            List<Long> pids = new ArrayList<>();
            try (Pipeline p = Pipeline.start(tmp.resolve("pipeline"), settings);
                    SmtpLoad load = new SmtpLoad(p.smtpPort, "fault",
                            i -> i % 2 == 1 ? "user" + i + "@faults.remote.test" : (i % 4 == 0 ? "alice" : "bob") + "@example.test")) {
                Map<String, Long> faultAt = new java.util.concurrent.ConcurrentHashMap<>();
                List<Fault> faults = plan.of(p, mx);
                // Start once every relay replica has its partitions, so the faults below are the
                // only rebalances (a hand-over with deliveries under way is RelayHandOverIT's).
                int relays = replicas(launcherSettings, "relay-service");
                p.awaitGroup("relay-service", relays, Duration.ofMinutes(2));
                ScheduledExecutorService injector = Executors.newSingleThreadScheduledExecutor();
                List<Throwable> injectorErrors = java.util.Collections.synchronizedList(new ArrayList<>());
                List<CompletableFuture<Void>> rejoins = java.util.Collections.synchronizedList(new ArrayList<>());
                for (Fault f : faults) {
                    injector.schedule(() -> {
                        try {
                            boolean relayFault = f.what().startsWith("relay-service") || f.what().equals("kafka");
                            java.util.Set<String> members = relayFault ? p.groupMembers("relay-service") : null;
                            faultAt.put(f.what(), System.nanoTime());
                            f.action().run();
                            if (relayFault) {
                                // Until the relay group has every member again, revoked partitions
                                // may hand deliveries in flight to another replica.
                                rejoins.add(CompletableFuture.runAsync(() -> {
                                    try {
                                        faultAt.put(f.what() + " settled",
                                                p.awaitGroupChange("relay-service", relays, members, Duration.ofMinutes(3)));
                                    } catch (Exception e) {
                                        injectorErrors.add(e);
                                    }
                                }));
                            }
                        } catch (Throwable e) {
                            injectorErrors.add(e);
                        }
                    }, (long) (f.atFraction() * seconds * 1000), TimeUnit.MILLISECONDS);
                }
                load.run(MESSAGES, RATE);
                injector.shutdown();
                assertTrue(injector.awaitTermination(2, TimeUnit.MINUTES));
                load.awaitAll();
                rejoins.forEach(CompletableFuture::join);
                assertEquals(List.of(), injectorErrors);

                List<Integer> accepted = new ArrayList<>();
                for (int i = 0; i < MESSAGES; i++) {
                    if (load.accepted(i)) {
                        accepted.add(i);
                    }
                }
                Path mail = p.mailRoot().resolve("example.test");
                try {
                    await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1))
                            .until(() -> arrivals(mail, remote).keySet().containsAll(subjects(load, accepted)));
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    // Fall through: the report below says what is missing.
                }
                Map<String, int[]> seen = awaitSettled(mail, remote);
                Report r = Report.of(load, accepted, seen, faultAt);
                System.out.println(r.text(p.status()));

                assertTrue(accepted.size() >= MESSAGES / 3, "the run tested something: " + r.text(""));
                assertEquals(List.of(), r.lost, "every message that got 250 arrived");
                assertEquals(List.of(), r.localDuplicates, "local mailboxes hold each message once");
                // A message may reach the remote MX twice only if a relay replica was killed while it
                // had the message in hand (after its 250), up to the moment the relay group had all its
                // members again. A broker outage sends nothing twice: the relay remembers what it did.
                long lastRelayFault = faultAt.entrySet().stream()
                        .filter(e -> e.getKey().startsWith("relay-service"))
                        .mapToLong(Map.Entry::getValue).max().orElse(Long.MIN_VALUE);
                for (int i : r.remoteDuplicates) {
                    long at = load.acceptedAt.getOrDefault(i, Long.MAX_VALUE);
                    assertTrue(at < lastRelayFault,
                            "fault-" + i + " reached the remote MX twice but was accepted after the relay's kill had settled");
                }
                for (Fault f : faults) {
                    if (!f.what().startsWith("remote MX")) {
                        assertEquals(1, p.restarts(f.what()), f.what() + " restarted once by the supervisor: " + p.launcherLog());
                    }
                }
                for (String process : List.of("kafka", "smtp-ingress", "routing-service", "relay-service", "delivery-service")) {
                    pids.add(p.pid(process));
                }
                String status = p.status();
                for (Fault f : faults) {
                    if (!f.what().startsWith("remote MX")) {
                        assertTrue(status.contains(f.what() + ": running (pid " + p.pid(f.what()) + ", restarts 1)"), status);
                    }
                }
            }
            // Closing the pipeline stops the launcher (SIGTERM, as Ctrl-C): its supervisor stops
            // every process it started, the restarted ones included.
            for (long pid : pids) {
                assertTrue(ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true), "process " + pid + " still runs after stop");
            }
        }
    }

    /** How many replicas of {@code service} the launcher starts with these settings (MAILPIPE_REPLICAS). */
    private static int replicas(Map<String, String> settings, String service) {
        for (String pair : settings.getOrDefault("MAILPIPE_REPLICAS", "").split(",")) {
            if (pair.startsWith(service + "=")) {
                return Integer.parseInt(pair.substring(service.length() + 1));
            }
        }
        return 1;
    }

    private static List<String> subjects(SmtpLoad load, List<Integer> numbers) {
        return numbers.stream().map(load::subject).toList();
    }

    /** Subject to {local copies, remote copies}, from the Maildirs and the remote MX's inbox. */
    private static Map<String, int[]> arrivals(Path localDomain, Path remote) throws IOException {
        Map<String, int[]> seen = new HashMap<>();
        if (Files.isDirectory(localDomain)) {
            try (Stream<Path> files = Files.walk(localDomain)) {
                for (Path f : files.filter(x -> x.getParent().getFileName().toString().equals("new")).toList()) {
                    count(seen, f, 0);
                }
            }
        }
        try (Stream<Path> files = Files.list(remote.resolve("inbox"))) {
            for (Path f : files.filter(x -> x.toString().endsWith(".eml")).toList()) {
                count(seen, f, 1);
            }
        }
        return seen;
    }

    private static void count(Map<String, int[]> seen, Path file, int where) {
        try {
            Matcher m = SUBJECT.matcher(Files.readString(file, StandardCharsets.ISO_8859_1));
            if (m.find()) {
                seen.computeIfAbsent(m.group(1), k -> new int[2])[where]++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Arrivals once nothing new has come for three polls in a row (stray redeliveries included). */
    private static Map<String, int[]> awaitSettled(Path localDomain, Path remote) throws Exception {
        Map<String, int[]> last = arrivals(localDomain, remote);
        int quiet = 0;
        for (int polls = 0; polls < 60 && quiet < 3; polls++) {
            Thread.sleep(2000);
            Map<String, int[]> now = arrivals(localDomain, remote);
            quiet = total(now) == total(last) ? quiet + 1 : 0;
            last = now;
        }
        return last;
    }

    private static int total(Map<String, int[]> seen) {
        return seen.values().stream().mapToInt(c -> c[0] + c[1]).sum();
    }

    /** What the run did, per destination, as the operator reads it. */
    private record Report(int sent, int accepted, Map<String, Integer> refused, List<Integer> lost,
            List<Integer> localDuplicates, List<Integer> remoteDuplicates, int arrivedWithout250,
            Map<String, Double> faults) {

        static Report of(SmtpLoad load, List<Integer> accepted, Map<String, int[]> seen, Map<String, Long> faultAt) {
            Map<String, Integer> refused = new TreeMap<>();
            List<Integer> lost = new ArrayList<>();
            List<Integer> localDup = new ArrayList<>();
            List<Integer> remoteDup = new ArrayList<>();
            int without = 0;
            for (int i = 0; i < MESSAGES; i++) {
                int[] c = seen.getOrDefault(load.subject(i), new int[2]);
                if (!load.accepted(i)) {
                    String why = load.outcomes.getOrDefault(i, "no outcome");
                    refused.merge(why.startsWith("error") ? "connection: " + why.substring(7) : why.substring(0, Math.min(9, why.length())), 1, Integer::sum);
                    without += c[0] + c[1] > 0 ? 1 : 0;
                } else if (c[0] + c[1] == 0) {
                    lost.add(i);
                }
                if (c[0] > 1) {
                    localDup.add(i);
                }
                if (c[1] > 1) {
                    remoteDup.add(i);
                }
            }
            long first = faultAt.values().stream().mapToLong(Long::longValue).min().orElse(0);
            Map<String, Double> faults = new TreeMap<>();
            faultAt.forEach((k, v) -> faults.put(k, (v - first) / 1e9));
            return new Report(MESSAGES, accepted.size(), refused, lost, localDup, remoteDup, without, faults);
        }

        String text(String status) {
            return String.format("fault injection: %d sent at %.0f/s, %d accepted (250), refused %s,%n"
                    + "  lost %d %s, local duplicates %d %s, remote duplicates %d %s,%n"
                    + "  arrived without a 250 (session broke after the message was queued) %d;%n"
                    + "  faults at (s after the first) %s%n%s",
                    sent, RATE, accepted, refused, lost.size(), lost, localDuplicates.size(), localDuplicates,
                    remoteDuplicates.size(), remoteDuplicates, arrivedWithout250, faults, status);
        }
    }
}
