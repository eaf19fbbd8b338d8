package dev.mailpipe.bench;

import dev.mailpipe.peers.ChildProcess;
import dev.mailpipe.peers.DnsServer;
import dev.mailpipe.peers.Rspamd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark that decides: the same client (Postfix's smtp-source) against Postfix delivering to
 * Maildirs, against mailpipe's local stack (broker defaults, and fsync per record), and against
 * smtp-sink (the protocol's limit), one after the other in one run on one machine. Per system and
 * workload, cold (the first messages after start) and steady (after a warm-up): accepted/s,
 * delivered/s (client start to last delivery), accept-to-delivered latency (probes), machine CPU
 * per delivered message, peak memory of the system's processes; then the latency at 80 % of the
 * steady rate, sent at an even pace.
 *
 * <p>Usage: CompareBench [messages=5000] [sessions=20] [size=2048]. Environment: BENCH_WORKLOADS
 * (default {@code local,spread,mixed,multi}), BENCH_SYSTEMS (default all four), BENCH_WARMUP (messages
 * before the steady round, default 2 × messages), BENCH_THREADS=1 (CPU by thread of the JVMs too, {@link ThreadCpu}).
 */
public final class CompareBench {
    private static final String LOCAL = "alice@example.test";
    private static final String REMOTE = "user@remote.test";

    /** One smtp-source process: its share of the sessions and messages, its recipient(s). */
    record Stream(double share, String to, int recipients) {
    }

    record Workload(String name, String what, int sizeFactor, List<Stream> streams, List<String> mailboxes, boolean scanned) {
        boolean remote() {
            return streams.stream().anyMatch(s -> s.to().endsWith("@remote.test"));
        }
    }

    record Result(double acceptedPerSecond, double deliveredPerSecond, List<Long> latencies, double cpuMillisPerMessage,
            long peakRssMib, Map<String, Double> cpuMillisByProcess, Map<String, Double> cpuMillisByThread) {
    }

    static final Map<String, Workload> WORKLOADS = new LinkedHashMap<>();

    static {
        WORKLOADS.put("local", new Workload("local", "(a) one mailbox", 1, List.of(new Stream(1, LOCAL, 1)), List.of(LOCAL), false));
        // smtp-source sends to one address per process: 50 of them, one session each, 20 KiB.
        List<Stream> spread = new ArrayList<>();
        List<String> fifty = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            fifty.add("user" + i + "@example.test");
            spread.add(new Stream(1.0 / 50, "user" + i + "@example.test", 1));
        }
        WORKLOADS.put("spread", new Workload("spread", "(b) 20 KiB to 50 mailboxes, one session each", 10, spread, fifty, false));
        WORKLOADS.put("mixed", new Workload("mixed", "(c) half local, half relayed to a loopback smtp-sink", 1,
                List.of(new Stream(0.5, LOCAL, 1), new Stream(0.5, REMOTE, 1)), List.of(LOCAL), false));
        // smtp-source -r 5 sends to alice, 2alice .. 5alice (it prefixes the number from the second on).
        WORKLOADS.put("multi", new Workload("multi", "(d) 5 recipients per message", 1, List.of(new Stream(1, LOCAL, 5)),
                List.of(LOCAL, "2alice@example.test", "3alice@example.test", "4alice@example.test",
                        "5alice@example.test"), false));
        // Content filtering on both sides, the same rspamd: mailpipe asks it over HTTP at the end of
        // data, Postfix through rspamd's milter proxy (smtpd_milters). The client is outside
        // mailpipe's relay networks, so that it is scanned; pregreet and the sender checks are off
        // (Postfix here has neither), so that this is the filter's cost.
        WORKLOADS.put("scanned", new Workload("scanned", "(e) one mailbox, every message scanned by rspamd", 1,
                List.of(new Stream(1, LOCAL, 1)), List.of(LOCAL), true));
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        int sessions = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int size = args.length > 2 ? Integer.parseInt(args[2]) : 2048;
        int warmup = Integer.parseInt(System.getenv().getOrDefault("BENCH_WARMUP", String.valueOf(2 * n)));
        List<String> workloads = List.of(System.getenv().getOrDefault("BENCH_WORKLOADS", "local,spread,mixed,multi").split(","));
        List<String> systems = List.of(System.getenv().getOrDefault("BENCH_SYSTEMS",
                "postfix,mailpipe,mailpipe-fsync,smtp-sink").split(","));
        // Postfix's delivery agents and smtp-sink run as nobody: the whole tree must be traversable.
        Path dir = Files.createTempDirectory("mailpipe-compare-", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        System.out.printf("compare bench (logs in %s): smtp-source, %d messages per round, %d sessions, %d octets, "
                + "warm-up %d messages before the steady round; %d cores%n", dir, n, sessions, size, warmup,
                Runtime.getRuntime().availableProcessors());
        Map<String, Map<String, Result[]>> results = new LinkedHashMap<>();
        try (DnsServer dns = DnsServer.start(dir.resolve("dns"), "remote.test");
                SinkSystem remote = SinkSystem.start("remote MX", "127.0.0.2", Files.createDirectories(dir.resolve("remote")));
                Rspamd rspamd = workloads.stream().anyMatch(w -> WORKLOADS.containsKey(w.trim()) && WORKLOADS.get(w.trim()).scanned())
                        ? Rspamd.start(Files.createDirectories(dir.resolve("rspamd")), dns.address(), null) : null) {
            for (String w : workloads) {
                Workload workload = WORKLOADS.get(w.trim());
                if (workload == null) {
                    throw new IllegalArgumentException("no workload " + w + "; there are " + WORKLOADS.keySet());
                }
                System.out.printf("%nworkload %s %s%n", workload.name(), workload.what());
                Map<String, Result[]> row = new LinkedHashMap<>();
                for (String s : systems) {
                    Path sysDir = Files.createDirectories(dir.resolve(workload.name() + "-" + s));
                    sysDir.toFile().setExecutable(true, false);
                    List<String> mailboxes = new ArrayList<>(workload.mailboxes());
                    mailboxes.add(LatencyProbe.MAILBOX);
                    try (MailSystem system = start(s.trim(), sysDir, dns.address(), remote.smtpPort(), mailboxes,
                            workload.scanned() ? rspamd : null)) {
                        Result cold = round(system, workload, remote, n, sessions, size, sysDir.resolve("cold"));
                        print(system.name(), "cold", cold);
                        round(system, workload, remote, warmup, sessions, size, sysDir.resolve("warmup"));
                        Result steady = round(system, workload, remote, n, sessions, size, sysDir.resolve("steady"));
                        print(system.name(), "steady", steady);
                        if (system.mailRoot() != null && workload.streams().stream().allMatch(st -> st.recipients() == 1)) {
                            // Latency below saturation: 80 % of the steady rate, at an even pace.
                            Result paced = round(system, workload, remote, n, sessions, size, sysDir.resolve("paced"),
                                    0.8 * steady.deliveredPerSecond());
                            print(system.name(), "80%", paced);
                        }
                        row.put(system.name(), new Result[] {cold, steady});
                    }
                    Scratch.keepOnlyLogs(sysDir);
                    Scratch.keepOnlyLogs(remote.dumps());
                }
                results.put(workload.name(), row);
            }
        }
        System.out.println();
        printRatios(results, 0, "-cold");
        printRatios(results, 1, "");
    }

    /** The closing lines: per workload, mailpipe's delivered rate over Postfix's, round 0 (cold) or 1 (steady). */
    private static void printRatios(Map<String, Map<String, Result[]>> results, int round, String suffix) {
        for (var e : results.entrySet()) {
            Result[] mp = e.getValue().get("mailpipe");
            Result[] pf = e.getValue().get("postfix");
            if (mp != null && pf != null) {
                System.out.printf("%s%s mailpipe/postfix delivered ratio %.2f (mailpipe %.0f/s, postfix %.0f/s)%n", e.getKey(),
                        suffix, mp[round].deliveredPerSecond() / pf[round].deliveredPerSecond(),
                        mp[round].deliveredPerSecond(), pf[round].deliveredPerSecond());
            }
        }
    }

    /** {@code rspamd}: null, or the scanner both sides ask (a {@link Workload#scanned} workload). */
    private static MailSystem start(String name, Path dir, String dns, int relayPort, List<String> mailboxes, Rspamd rspamd)
            throws Exception {
        Map<String, String> scan = rspamd == null ? Map.of() : Map.of("MAILPIPE_INGRESS_RSPAMD_URL", rspamd.url(),
                "MAILPIPE_INGRESS_RELAY_NETWORKS", "192.0.2.0/24", "MAILPIPE_INGRESS_GREETING_DELAY", "0s",
                "MAILPIPE_INGRESS_SENDER_CHECKS_ENABLED", "false");
        String milter = rspamd == null ? null : "inet:127.0.0.1:" + rspamd.milterPort;
        return switch (name) {
            case "postfix" -> PostfixSystem.start(dir, relayPort, mailboxes, milter);
            case "mailpipe" -> MailpipeSystem.start(name, dir, dns, relayPort, mailboxes, "", scan);
            case "mailpipe-fsync" -> MailpipeSystem.start(name, dir, dns, relayPort, mailboxes, "log.flush.interval.messages=1", scan);
            case "smtp-sink" -> SinkSystem.start(name, "127.0.0.1", dir);
            default -> throw new IllegalArgumentException("no system " + name);
        };
    }

    /** What sends a round's mail; returns once the client is done. */
    private interface Load {
        void send() throws Exception;
    }

    /** One round: every stream's smtp-source at once, then until the last delivery. */
    private static Result round(MailSystem system, Workload w, SinkSystem remote, int n, int sessions, int size, Path logs)
            throws Exception {
        return round(system, w, remote, n, sessions, size, logs, 0);
    }

    /**
     * One round; with {@code pacedRate} above zero the mail goes at that rate through
     * {@link PacedLoad} (single-recipient workloads, recipients in turn), else as fast as
     * smtp-source sends it. Then until the last delivery.
     */
    private static Result round(MailSystem system, Workload w, SinkSystem remote, int n, int sessions, int size, Path logs,
            double pacedRate) throws Exception {
        Files.createDirectories(logs);
        SinkSystem sinkItself = system instanceof SinkSystem s ? s : null;
        long localTarget = 0;
        long remoteTarget = 0;
        long messages = 0;
        List<String[]> commands = new ArrayList<>();
        for (Stream s : w.streams()) {
            int m = (int) Math.round(n * s.share());
            messages += m;
            if (s.to().endsWith("@remote.test")) {
                remoteTarget += m;
            } else {
                localTarget += (long) m * s.recipients();
            }
            List<String> c = new ArrayList<>(List.of("smtp-source", "-s", String.valueOf(Math.max(1, (int) Math.round(sessions * s.share()))),
                    "-m", String.valueOf(m), "-l", String.valueOf(size * w.sizeFactor()), "-f", "bench@client.test",
                    "-t", s.to()));
            if (s.recipients() > 1) {
                c.addAll(List.of("-r", String.valueOf(s.recipients())));
            }
            c.add("127.0.0.1:" + system.smtpPort());
            commands.add(c.toArray(String[]::new));
        }
        List<String> local = w.mailboxes();
        long localBefore = system.mailRoot() == null ? 0 : MailSystem.delivered(system.mailRoot(), local);
        long remoteBefore = remote.received();
        long sinkBefore = sinkItself == null ? 0 : sinkItself.received();
        long total = messages;
        final long lt = localTarget;
        final long rt = remoteTarget;
        java.util.function.LongSupplier done = sinkItself != null
                ? () -> sinkItself.received() - sinkBefore
                : () -> Math.min(lt, MailSystem.delivered(system.mailRoot(), local) - localBefore)
                        + Math.min(rt, remote.received() - remoteBefore);
        long target = sinkItself != null ? total : localTarget + remoteTarget;
        Load load = pacedRate > 0
                ? () -> PacedLoad.send(system.smtpPort(), w.streams().stream().map(Stream::to).toList(), (int) total, pacedRate,
                        size * w.sizeFactor())
                : () -> {
                    List<ChildProcess> clients = new ArrayList<>();
                    for (int i = 0; i < commands.size(); i++) {
                        clients.add(ChildProcess.start("smtp-source", List.of(commands.get(i)), logs, Map.of(),
                                logs.resolve("smtp-source-" + i + ".log")));
                    }
                    for (ChildProcess c : clients) {
                        if (c.awaitExit(Duration.ofMinutes(30)) != 0 || !c.output().isBlank()) {
                            throw new IllegalStateException(system.name() + ": smtp-source reported: " + c.output());
                        }
                    }
                };
        try (MachineUsage usage = new MachineUsage(system::processes);
                LatencyProbe probe = system.mailRoot() == null ? null : new LatencyProbe(system.smtpPort(), system.mailRoot(), 200)) {
            long start = System.nanoTime();
            load.send();
            double acceptSeconds = (System.nanoTime() - start) / 1e9;
            Bench.until(target, done, Duration.ofMinutes(20));
            double deliverSeconds = (System.nanoTime() - start) / 1e9;
            double cpu = usage.cpuSeconds();
            Map<String, Double> byProcess = new java.util.TreeMap<>();
            usage.cpuSecondsByProcess().forEach((k, v) -> byProcess.put(k, v * 1000 / total));
            Map<String, Double> byThread = new java.util.TreeMap<>();
            usage.cpuSecondsByThread().forEach((k, v) -> byThread.put(k, v * 1000 / total));
            return new Result(total / acceptSeconds, total / deliverSeconds, probe == null ? List.of() : probe.samples(),
                    cpu * 1000 / total, usage.peakRssMib(), byProcess, byThread);
        }
    }

    private static void print(String system, String phase, Result r) {
        System.out.printf("  %-15s %-6s accepted %6.0f/s  delivered %6.0f/s  latency %s  CPU %.2f ms/msg  peak RSS %d MiB%n",
                system, phase, r.acceptedPerSecond(), r.deliveredPerSecond(),
                r.latencies().isEmpty() ? "n/a" : Bench.percentiles(r.latencies()), r.cpuMillisPerMessage(), r.peakRssMib());
        System.out.printf("  %-15s %-6s CPU ms/msg by process:%s%n", "", "", largest(r.cpuMillisByProcess(), 20));
        if (!r.cpuMillisByThread().isEmpty()) {
            System.out.printf("  %-15s %-6s CPU ms/msg by thread:%s%n", "", "", largest(r.cpuMillisByThread(), 16));
        }
    }

    /** The {@code most} largest entries of at least 0.01, largest first, as " name value". */
    private static String largest(Map<String, Double> split, int most) {
        StringBuilder out = new StringBuilder();
        split.entrySet().stream().filter(e -> e.getValue() >= 0.01).sorted((a, b) -> Double.compare(b.getValue(), a.getValue()))
                .limit(most).forEach(e -> out.append(String.format(" %s %.2f", e.getKey(), e.getValue())));
        return out.toString();
    }
}
