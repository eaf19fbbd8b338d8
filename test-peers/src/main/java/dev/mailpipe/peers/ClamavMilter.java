package dev.mailpipe.peers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Debian's clamav-milter on 127.0.0.1, asking a {@link Clamd} of the test's: infected mail
 * rejected, clean mail given its {@code X-Virus-Scanned} and {@code X-Virus-Status} fields.
 */
public final class ClamavMilter implements AutoCloseable {
    private final ChildProcess process;
    public final int port;

    private ClamavMilter(ChildProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    public static ClamavMilter start(Path dir, Clamd clamd) throws IOException, InterruptedException {
        DebianPeers.require("clamav-milter");
        Files.createDirectories(dir);
        int port = Loopback.freePort("127.0.0.1");
        List<String> conf = new java.util.ArrayList<>(List.of(
                "MilterSocket inet:" + port + "@127.0.0.1",
                "ClamdSocket unix:" + clamd.socket,
                "Foreground yes",
                "LogFile " + dir.resolve("clamav-milter.log"),
                "PidFile " + dir.resolve("clamav-milter.pid"),
                "OnInfected Reject",
                "OnFail Defer",
                "AddHeader Replace"));
        if ("root".equals(System.getProperty("user.name"))) {
            conf.add("User root"); // otherwise it drops to clamav, who cannot write the test's directory
        }
        Path file = Files.write(dir.resolve("clamav-milter.conf"), conf);
        ChildProcess p = ChildProcess.start("clamav-milter", List.of("clamav-milter", "-c", file.toString()), dir, Map.of(),
                dir.resolve("clamav-milter.out"));
        Loopback.awaitListening("127.0.0.1", port, Duration.ofSeconds(30));
        return new ClamavMilter(p, port);
    }

    public String address() {
        return "inet:127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
        process.stop(Duration.ofSeconds(5));
    }
}
