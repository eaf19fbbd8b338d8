package dev.mailpipe.peers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Debian's postgrey, the greylisting policy server of Postfix's policy delegation protocol, on
 * 127.0.0.1 with a database of its own and a short greylisting delay.
 */
public final class Postgrey implements AutoCloseable {
    private final ChildProcess process;
    public final int port;

    private Postgrey(ChildProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    /** postgrey greylisting each new triplet for {@code delaySeconds}. */
    public static Postgrey start(Path dir, int delaySeconds) throws IOException, InterruptedException {
        DebianPeers.require("postgrey");
        Files.createDirectories(dir);
        int port = Loopback.freePort("127.0.0.1");
        String user = System.getProperty("user.name");
        // As root it would drop to the postgrey user, who cannot write a test's directory.
        ChildProcess p = ChildProcess.start("postgrey", List.of("postgrey", "--inet=127.0.0.1:" + port, "--dbdir=" + dir,
                "--delay=" + delaySeconds, "--user=" + user, "--group=" + user, "--pidfile=" + dir.resolve("postgrey.pid"),
                "--hostname=postgrey.test", "--auto-whitelist-clients=0"), dir, Map.of(), dir.resolve("postgrey.log"));
        Loopback.awaitListening("127.0.0.1", port, Duration.ofSeconds(20));
        return new Postgrey(p, port);
    }

    public String address() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
        process.stop(Duration.ofSeconds(5));
    }
}
