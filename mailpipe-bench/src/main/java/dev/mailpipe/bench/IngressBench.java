package dev.mailpipe.bench;

import dev.mailpipe.kafka.KafkaBroker;
import dev.mailpipe.model.Topics;
import dev.mailpipe.peers.ChildProcess;
import dev.mailpipe.peers.Loopback;
import dev.mailpipe.peers.ServiceProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Accepted messages per second: Postfix's smtp-source against the ingress (each message on Kafka
 * with acks=all before 250), and against Postfix's smtp-sink (accepts and discards) on the same
 * machine in the same run as the reference. Usage: IngressBench [messages=5000] [sessions=20] [size=2048].
 */
public final class IngressBench {
    /** {@code -Dbench.reuse=true}: each session keeps its connection (smtp-source -d). */
    private static final boolean REUSE = Boolean.getBoolean("bench.reuse");

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        int sessions = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int size = args.length > 2 ? Integer.parseInt(args[2]) : 2048;
        Path dir = Files.createTempDirectory("mailpipe-bench-ingress-");
        System.out.printf("ingress bench: smtp-source, %d messages, %d sessions, %d octets each, %s%n", n, sessions, size,
                REUSE ? "connections kept (-d)" : "one connection per message");
        double sinkRate;
        int sinkPort = Loopback.freePort();
        ChildProcess sink = ChildProcess.start("smtp-sink", List.of("smtp-sink", "-u", "nobody", "-c",
                "127.0.0.1:" + sinkPort, "1000"), dir, Map.of(), dir.resolve("smtp-sink.log"));
        try {
            Thread.sleep(500);
            source(sinkPort, Math.max(1000, n / 2), sessions, size, dir.resolve("source-sink-warmup.log"));
            sinkRate = n / source(sinkPort, n, sessions, size, dir.resolve("source-sink.log"));
            System.out.printf("  smtp-sink   %7.0f msgs/s%n", sinkRate);
        } finally {
            sink.close();
        }
        try (KafkaBroker broker = KafkaBroker.start(dir.resolve("kafka"), Loopback.freePort(), Loopback.freePort(), 3)) {
            int port = Loopback.freePort();
            try (ServiceProcess ingress = ServiceProcess.start("smtp-ingress", broker.bootstrapServers(), Map.of(
                    "MAILPIPE_INGRESS_PORT", String.valueOf(port), "MAILPIPE_INGRESS_SUBMISSION_PORT", "-1",
                    "MAILPIPE_INGRESS_MAX_CONNECTIONS_PER_CLIENT", String.valueOf(sessions * 2)), dir.resolve("ingress.log"))) {
                // The JVMs (ingress and broker) need tens of thousands of messages before the JIT has
                // compiled the hot paths: warm up until a round is no longer clearly faster.
                double previous = 0;
                for (int round = 1; round <= 10; round++) {
                    double r = n / source(port, n, sessions, size, dir.resolve("source-warmup.log"));
                    System.out.printf("  warm-up %2d %7.0f msgs/s%n", round, r);
                    if (r < previous * 1.05) {
                        break;
                    }
                    previous = r;
                }
                double seconds = source(port, n, sessions, size, dir.resolve("source-ingress.log"));
                long inKafka = Bench.committed(broker.bootstrapServers(), Topics.INBOUND);
                double rate = n / seconds;
                System.out.printf("  ingress     %7.0f msgs/s (%d records on %s, warm-up included; peak RSS %d MiB)%n", rate, inKafka,
                        Topics.INBOUND, ingress.peakRssKib() / 1024);
                System.out.printf("  ingress / smtp-sink: %.2f%n", rate / sinkRate);
            }
        }
    }

    /** Runs smtp-source to the end; returns the seconds it took. */
    private static double source(int port, int n, int sessions, int size, Path log) throws Exception {
        long start = System.nanoTime();
        List<String> command = new java.util.ArrayList<>(List.of("smtp-source", "-s", String.valueOf(sessions),
                "-m", String.valueOf(n), "-l", String.valueOf(size), "-f", "bench@y.test", "-t", "alice@example.test"));
        if (REUSE) {
            command.add("-d");
        }
        command.add("127.0.0.1:" + port);
        ChildProcess p = ChildProcess.start("smtp-source", command, Path.of("."), Map.of(), log);
        p.awaitExit(Duration.ofMinutes(10));
        return (System.nanoTime() - start) / 1e9;
    }
}
