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
record SinkSystem(String name, ChildProcess sink, Path dumps, int smtpPort) implements MailSystem {

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
