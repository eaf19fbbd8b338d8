package dev.mailpipe.kafka;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts {@link LocalKafka} as a child JVM and waits until it is ready; for tests. Depends on nothing
 * but the JDK, so a test module can use it without the broker's classpath.
 */
public final class KafkaBroker implements AutoCloseable {
    private final Process process;
    private final int port;

    private KafkaBroker(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts a broker on {@code port}, keeping its data under {@code dir}; waits at most two minutes. */
    public static KafkaBroker start(Path dir, int port, int controllerPort, int partitions)
            throws IOException, InterruptedException, TimeoutException {
        List<String> command = List.of(javaBinary(), "-Xmx384m", "-XX:+UseSerialGC", "-cp", classpath(),
                LocalKafka.class.getName(), dir.toString(), String.valueOf(port), String.valueOf(controllerPort),
                String.valueOf(partitions));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        CompletableFuture<Boolean> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> pump(p.getInputStream(), ready), "kafka-stdout");
        reader.setDaemon(true);
        reader.start();
        try {
            ready.get(120, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
            p.destroyForcibly();
            throw new TimeoutException("local kafka did not become ready: " + e);
        }
        return new KafkaBroker(p, port);
    }

    /** The broker JVM's process id (benchmarks read its CPU time). */
    public long pid() {
        return process.pid();
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    /** The classpath of the broker JVM: this jar plus the one resolved at build time. */
    public static String classpath() throws IOException {
        try (InputStream in = KafkaBroker.class.getResourceAsStream("broker.classpath")) {
            if (in == null) {
                throw new IOException("broker.classpath missing: build kafka-local with Maven first");
            }
            String deps = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            return ownLocation() + java.io.File.pathSeparator + deps;
        }
    }

    private static String ownLocation() {
        try {
            return Path.of(KafkaBroker.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static void pump(InputStream stdout, CompletableFuture<Boolean> ready) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(stdout, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                System.out.println(line);
                if (line.startsWith(LocalKafka.READY)) {
                    ready.complete(true);
                }
            }
            ready.completeExceptionally(new IOException("broker exited before it was ready"));
        } catch (IOException e) {
            ready.completeExceptionally(e);
        }
    }
}
