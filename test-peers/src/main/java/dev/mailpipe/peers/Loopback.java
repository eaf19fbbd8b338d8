package dev.mailpipe.peers;

import java.io.IOException;
import dev.mailpipe.kafka.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loopback-only helpers: every peer of the tests listens on 127.0.0.0/8. */
public final class Loopback {
    private Loopback() {
    }

    /** A TCP port free on every one of the given loopback addresses (see {@link FreePorts}). */
    public static int freePort(String... addresses) throws IOException {
        return FreePorts.port(addresses);
    }

    /** A run of {@code n} consecutive ports free on 127.0.0.1 (for the launcher's port base). */
    public static int freeRange(int n) throws IOException {
        return FreePorts.range(n);
    }

    /** Waits until something accepts TCP connections at {@code host:port}; fails after {@code timeout}. */
    public static void awaitListening(String host, int port, java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (var s = new java.net.Socket(host, port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("nothing listens on " + host + ":" + port + " after " + timeout);
    }

    /** The repository's top directory (tests run with their module as working directory). */
    public static Path repoRoot() {
        return Path.of(System.getProperty("mailpipe.root", "..")).toAbsolutePath().normalize();
    }

    /** Copies one of this module's resources (a zone, the sink script) to {@code dir}; returns the copy. */
    public static Path resource(String name, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path target = dir.resolve(name);
        try (var in = Loopback.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("no resource " + name);
            }
            Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }
}
