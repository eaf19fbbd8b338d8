package dev.mailpipe.bench;

import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.Recipient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** What the stage benchmarks share: load records as a stage's upstream would, count what came out. */
final class Bench {
    private Bench() {
    }

    /** A message of about {@code size} octets, CRLF lines of 76 characters. */
    static byte[] message(int i, int size) {
        StringBuilder sb = new StringBuilder("From: bench@y.test\r\nSubject: bench " + i + "\r\n\r\n");
        while (sb.length() < size) {
            sb.append("x".repeat(76)).append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static Envelope envelope(String id, List<String> rcpts, int size) {
        return Envelope.received(id, Instant.now(), new Envelope.Client("127.0.0.1", "bench", false, null),
                "bench@y.test", rcpts.stream().map(Recipient::of).toList(), size);
    }

    /** Writes {@code n} records; {@code key} and {@code recipients} per index. */
    static void produce(String bootstrap, String topic, int n, int size, Function<Integer, String> key,
            Function<Integer, List<String>> recipients) throws Exception {
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all",
                "linger.ms", 5, "compression.type", "lz4"), new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                byte[] msg = message(i, size);
                p.send(MailRecords.record(topic, key.apply(i), envelope("bench-" + i, recipients.apply(i), msg.length), msg));
            }
            p.flush();
        }
    }

    /** Committed records on a topic now (end offsets of a read_committed consumer). */
    static long committed(String bootstrap, String topic) {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(parts);
            c.seekToEnd(parts);
            long total = 0;
            for (TopicPartition p : parts) {
                total += c.position(p);
            }
            return total;
        }
    }

    /** Waits until {@code done} reaches {@code target}; returns the seconds it took, or fails after a limit. */
    static double until(long target, java.util.function.LongSupplier done, Duration limit) throws InterruptedException {
        long start = System.nanoTime();
        while (done.getAsLong() < target) {
            if (System.nanoTime() - start > limit.toNanos()) {
                throw new IllegalStateException("only " + done.getAsLong() + " of " + target + " within " + limit);
            }
            Thread.sleep(20);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    static String percentiles(List<Long> millis) {
        long[] a = millis.stream().mapToLong(Long::longValue).sorted().toArray();
        if (a.length == 0) {
            return "n/a";
        }
        return "p50 " + a[a.length / 2] + " ms, p99 " + a[(int) Math.min(a.length - 1, Math.ceil(a.length * 0.99) - 1)]
                + " ms, max " + a[a.length - 1] + " ms";
    }

    static List<String> list(String... s) {
        return new ArrayList<>(Arrays.asList(s));
    }
}
