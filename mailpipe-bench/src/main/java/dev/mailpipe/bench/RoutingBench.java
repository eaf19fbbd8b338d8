package dev.mailpipe.bench;

import dev.mailpipe.kafka.KafkaBroker;
import dev.mailpipe.model.Topics;
import dev.mailpipe.peers.DnsServer;
import dev.mailpipe.peers.Loopback;
import dev.mailpipe.peers.ServiceProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Routed messages per second with a warm DNS cache: half the messages go to a local mailbox, half
 * to remote domains of the test zone (NSD on loopback). A first small batch warms the cache.
 * Usage: RoutingBench [messages=5000] [size=2048].
 */
public final class RoutingBench {
    private static final List<String> REMOTE = List.of("a@remote.test", "b@failover.remote.test", "c@shuffle.remote.test",
            "d@cname.remote.test");

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 2048;
        Path dir = Files.createTempDirectory("mailpipe-bench-routing-");
        System.out.printf("routing bench: %d messages of %d octets, half local, half to %d remote domains%n", n, size, REMOTE.size());
        try (DnsServer dns = DnsServer.start(dir.resolve("dns"), "remote.test");
                KafkaBroker broker = KafkaBroker.start(dir.resolve("kafka"), Loopback.freePort(), Loopback.freePort(), 3)) {
            ServiceProcess routing = ServiceProcess.start("routing-service", broker.bootstrapServers(), Map.of(
                    "MAILPIPE_ROUTING_DNS_SERVERS", dns.address(), "QUARKUS_LOG_CATEGORY__DEV_MAILPIPE__LEVEL", "WARN"),
                    dir.resolve("routing.log"));
            try {
                String bs = broker.bootstrapServers();
                int warm = 40;
                Bench.produce(bs, Topics.INBOUND, warm, size, i -> "warm-" + i, RoutingBench::recipients);
                Bench.until(warm, () -> outputs(bs), Duration.ofMinutes(2));
                long start = System.nanoTime();
                Bench.produce(bs, Topics.INBOUND, n, size, i -> "bench-" + i, RoutingBench::recipients);
                double seconds = Bench.until(warm + n, () -> outputs(bs), Duration.ofMinutes(10));
                System.out.printf("  %7.0f msgs/s routed (%d in %.2f s, load included; peak RSS %d MiB)%n",
                        n / seconds, n, seconds, routing.peakRssKib() / 1024);
            } finally {
                routing.close();
            }
        }
    }

    private static List<String> recipients(int i) {
        return List.of(i % 2 == 0 ? "alice@example.test" : REMOTE.get(i / 2 % REMOTE.size()));
    }

    private static long outputs(String bs) {
        return Bench.committed(bs, Topics.DELIVERY) + Bench.committed(bs, Topics.RELAY);
    }
}
