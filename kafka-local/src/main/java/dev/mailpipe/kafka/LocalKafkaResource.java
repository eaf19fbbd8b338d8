package dev.mailpipe.kafka;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * For {@code @QuarkusTestResource}: a real broker ({@link KafkaBroker}, a child JVM) for one test
 * class's Quarkus application, with every pipeline topic created. Dev Services stay off: there is no
 * Docker engine to run one.
 */
public class LocalKafkaResource implements QuarkusTestResourceLifecycleManager {
    private static volatile KafkaBroker lastStarted;
    private KafkaBroker broker;
    private Path dir;

    /** The broker this resource started most recently: a test may stop it to see Kafka go away. */
    public static KafkaBroker lastStarted() {
        return lastStarted;
    }

    @Override
    public Map<String, String> start() {
        try {
            dir = Files.createTempDirectory("mailpipe-kafka-");
            broker = KafkaBroker.start(dir, freePort(), freePort(), 2);
            lastStarted = broker;
            return Map.of("kafka.bootstrap.servers", broker.bootstrapServers());
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the local Kafka broker", e);
        }
    }

    @Override
    public void stop() {
        if (broker != null) {
            try {
                broker.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        deleteTree(dir);
    }

    /** The broker's data outlives no test class: every run of the suite would leave its logs behind. */
    private static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // Only disk space is at stake; the test's outcome is not.
        }
    }

    /** A TCP port free on 127.0.0.1, below the ephemeral range (see {@link FreePorts}). */
    public static int freePort() throws IOException {
        return FreePorts.port();
    }
}
