package dev.mailpipe.peers;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One service JVM started from its built quarkus-app, as ./mailpipe up starts it; for crash tests. */
public final class ServiceProcess implements AutoCloseable {
    private final ChildProcess process;
    private final int httpPort;
    private final int managementPort;

    private ServiceProcess(ChildProcess process, int httpPort, int managementPort) {
        this.process = process;
        this.httpPort = httpPort;
        this.managementPort = managementPort;
    }

    public static ServiceProcess start(String module, String bootstrap, Map<String, String> settings, Path log)
            throws IOException, InterruptedException {
        Map<String, String> env = new HashMap<>(settings);
        env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        int httpPort = Loopback.freePort();
        env.put("QUARKUS_HTTP_PORT", String.valueOf(httpPort));
        int managementPort = Loopback.freePort();
        env.put("QUARKUS_MANAGEMENT_PORT", String.valueOf(managementPort));
        Path jar = Loopback.repoRoot().resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
        ChildProcess p = ChildProcess.start(module, List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-jar", jar.toString()), Loopback.repoRoot(), env, log);
        p.awaitOutput("started in", Duration.ofSeconds(90));
        return new ServiceProcess(p, httpPort, managementPort);
    }

    /** Where the service's HTTP API listens on 127.0.0.1. */
    public int httpPort() {
        return httpPort;
    }

    /** Where its health and metrics are, on 127.0.0.1. */
    public int managementPort() {
        return managementPort;
    }

    public long pid() {
        return process.pid();
    }

    /** Peak resident memory of the JVM so far, in KiB (Linux VmHWM), or -1. */
    public long peakRssKib() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** kill -9: no shutdown hook runs, nothing is flushed or committed. */
    public void kill() throws InterruptedException {
        ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
        process.stop(Duration.ofSeconds(10));
    }

    @Override
    public void close() throws InterruptedException {
        process.stop(Duration.ofSeconds(20));
    }
}
