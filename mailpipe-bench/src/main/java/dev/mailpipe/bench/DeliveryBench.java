package dev.mailpipe.bench;

import dev.mailpipe.kafka.KafkaBroker;
import dev.mailpipe.model.Topics;
import dev.mailpipe.peers.Loopback;
import dev.mailpipe.peers.ServiceProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Deliveries per second into Maildirs, with fsync (the real setting) and without (a reference run
 * in the same conditions: the ratio shows what durability costs on this disk).
 * Usage: DeliveryBench [messages=2000] [size=2048] [mailboxes=20].
 */
public final class DeliveryBench {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 2048;
        int boxes = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        Path dir = Files.createTempDirectory("mailpipe-bench-delivery-");
        String mailboxes = IntStream.range(0, boxes).mapToObj(i -> "user" + i + "@example.test").collect(Collectors.joining(","));
        System.out.printf("delivery bench: %d messages of %d octets over %d mailboxes%n", n, size, boxes);
        double withSync = 0;
        for (boolean fsync : new boolean[] {true, false}) {
            try (KafkaBroker broker = KafkaBroker.start(dir.resolve("kafka-" + fsync), Loopback.freePort(), Loopback.freePort(), 3)) {
                Path root = dir.resolve("mail-" + fsync);
                ServiceProcess delivery = ServiceProcess.start("delivery-service", broker.bootstrapServers(), Map.of(
                        "MAILPIPE_DELIVERY_ROOT", root.toString(), "MAILPIPE_DELIVERY_FSYNC", String.valueOf(fsync),
                        "MAILPIPE_LOCAL_MAILBOXES", mailboxes, "QUARKUS_LOG_CATEGORY__DEV_MAILPIPE__LEVEL", "WARN"),
                        dir.resolve("delivery-" + fsync + ".log"));
                try {
                    long start = System.currentTimeMillis();
                    Bench.produce(broker.bootstrapServers(), Topics.DELIVERY, n, size, i -> "user" + (i % boxes) + "@example.test",
                            i -> List.of("user" + (i % boxes) + "@example.test"));
                    double seconds = Bench.until(n, () -> count(root), Duration.ofMinutes(10));
                    List<Long> latency = latencies(root, start);
                    double rate = n / seconds;
                    if (fsync) {
                        withSync = rate;
                    }
                    System.out.printf("  fsync=%-5s %7.0f msgs/s  (%d in %.2f s; file mtime - load start: %s; peak RSS %d MiB)%n",
                            fsync, rate, n, seconds, Bench.percentiles(latency), delivery.peakRssKib() / 1024);
                    if (!fsync) {
                        System.out.printf("  with fsync / without: %.2f%n", withSync / rate);
                    }
                } finally {
                    delivery.close();
                }
            }
        }
    }

    private static long count(Path root) {
        if (!Files.isDirectory(root)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getParent() != null && p.getParent().getFileName().toString().equals("new")).count();
        } catch (Exception e) {
            return 0;
        }
    }

    private static List<Long> latencies(Path root, long start) throws Exception {
        List<Long> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(p -> p.getParent() != null && p.getParent().getFileName().toString().equals("new")).toList()) {
                out.add(Files.getLastModifiedTime(p).toMillis() - start);
            }
        }
        return out;
    }
}
