package dev.mailpipe.bench;

import dev.mailpipe.peers.ChildProcess;
import dev.mailpipe.peers.Loopback;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Postfix's smtp-sink and a counting dump directory: the protocol's limit on this machine with this
 * client. It accepts and writes each message to one file, with no fsync and no queue; used as the
 * reference system (on 127.0.0.1) and as the remote MX both systems relay to (on 127.0.0.2).
 */
final class SinkSystem implements MailSystem {
    private final String name;
    private final ChildProcess sink;
    private final Path dumps;
    private final int port;

    private SinkSystem(String name, ChildProcess sink, Path dumps, int port) {
        this.name = name;
        this.sink = sink;
        this.dumps = dumps;
        this.port = port;
    }

    static SinkSystem start(String name, String address, Path dir) throws Exception {
        int port = Loopback.freePort(address);
        Path dumps = java.nio.file.Files.createDirectories(dir.resolve("dumps"));
        dumps.toFile().setWritable(true, false);
        dir.toFile().setExecutable(true, false);
        ChildProcess p = ChildProcess.start("smtp-sink " + address, List.of("smtp-sink", "-u", "nobody", "-d",
                dumps + "/%H.", address + ":" + port, "1000"), dir, Map.of(), dir.resolve("smtp-sink.log"));
        try {
            Loopback.awaitListening(address, port, Duration.ofSeconds(5));
        } catch (IllegalStateException e) {
            p.stop(Duration.ofSeconds(5));
            throw e;
        }
        return new SinkSystem(name, p, dumps, port);
    }

    /** Messages it has taken so far. */
    long received() {
        return MailSystem.files(dumps);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int smtpPort() {
        return port;
    }

    @Override
    public Path mailRoot() {
        return null;
    }

    @Override
    public Set<Long> processes() {
        return Set.of(sink.pid());
    }

    @Override
    public void close() throws Exception {
        sink.stop(Duration.ofSeconds(5));
    }
}
