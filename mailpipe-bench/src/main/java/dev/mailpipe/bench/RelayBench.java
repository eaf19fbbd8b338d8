package dev.mailpipe.bench;

import dev.mailpipe.model.MailRecords;
import dev.mailpipe.kafka.KafkaBroker;
import dev.mailpipe.model.Route;
import dev.mailpipe.model.Topics;
import dev.mailpipe.peers.ChildProcess;
import dev.mailpipe.peers.Loopback;
import dev.mailpipe.peers.ServiceProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Relayed messages per second to Postfix's smtp-sink, with connection reuse and without (one
 * connection per message), against a real broker. A message counts once its "relayed" event is on
 * mail.events, i.e. once the relay could commit its offset. Usage: RelayBench [messages=3000] [size=2048].
 */
public final class RelayBench {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 2048;
        Path dir = Files.createTempDirectory("mailpipe-bench-relay-");
        System.out.printf("relay bench: %d messages of %d octets to Postfix smtp-sink, 8 destination domains%n", n, size);
        int sinkPort = Loopback.freePort();
        try (ChildProcess sink = ChildProcess.start("smtp-sink", List.of("smtp-sink", "-u", "nobody",
                "127.0.0.1:" + sinkPort, "1000"), dir, Map.of(), dir.resolve("smtp-sink.log"))) {
            double reuse = 0;
            for (boolean reuseConnections : new boolean[] {true, false}) {
                try (KafkaBroker broker = KafkaBroker.start(dir.resolve("kafka-" + reuseConnections), Loopback.freePort(),
                        Loopback.freePort(), 3)) {
                    String bs = broker.bootstrapServers();
                    try (ServiceProcess relay = ServiceProcess.start("relay-service", bs, Map.of(
                            "MAILPIPE_RELAY_PORT", String.valueOf(sinkPort),
                            "MAILPIPE_RELAY_REUSE_CONNECTIONS", String.valueOf(reuseConnections),
                            "QUARKUS_LOG_CATEGORY__DEV_MAILPIPE__LEVEL", "WARN"), dir.resolve("relay-" + reuseConnections + ".log"))) {
                        produce(bs, n, size);
                        double seconds = Bench.until(n, () -> Bench.committed(bs, Topics.EVENTS), Duration.ofMinutes(10));
                        double rate = n / seconds;
                        System.out.printf("  reuse=%-5s %7.0f msgs/s (%d in %.2f s, load included; peak RSS %d MiB)%n",
                                reuseConnections, rate, n, seconds, relay.peakRssKib() / 1024);
                        if (reuseConnections) {
                            reuse = rate;
                        } else {
                            System.out.printf("  with reuse / without: %.2f%n", reuse / rate);
                        }
                    }
                }
            }
        }
    }

    private static void produce(String bootstrap, int n, int size) throws Exception {
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all",
                "linger.ms", 5), new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                String domain = "d" + (i % 8) + ".test";
                byte[] msg = Bench.message(i, size);
                var envelope = Bench.envelope("relay-" + i, List.of("user@" + domain), msg.length)
                        .withRoute(new Route(domain, List.of(new Route.MxHost("mx." + domain, 10, List.of("127.0.0.1"))), null));
                p.send(MailRecords.record(Topics.RELAY, domain, envelope, msg));
            }
            p.flush();
        }
    }
}
