package dev.mailpipe.peers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** A real SMTP server to relay to: aiosmtpd (Debian's python3-aiosmtpd) on one loopback address. */
public final class SmtpSink implements AutoCloseable {
    private final ChildProcess process;
    public final Path inbox;

    private SmtpSink(ChildProcess process, Path inbox) {
        this.process = process;
        this.inbox = inbox;
    }

    /** {@code mode}: accept, tempfail (451 at RCPT) or reject (550 at RCPT). */
    public static SmtpSink start(String host, int port, Path dir, String mode) throws IOException, InterruptedException {
        Path inbox = dir.resolve("inbox");
        Files.createDirectories(inbox);
        ChildProcess p = ChildProcess.start("smtp-sink " + host, List.of("/usr/bin/python3",
                        Loopback.resource("smtp_sink.py", dir).toString(), "--host", host, "--port",
                        String.valueOf(port), "--dir", inbox.toString(), "--mode", mode),
                dir, Map.of(), dir.resolve("sink.log"));
        p.awaitOutput("ready", Duration.ofSeconds(20));
        return new SmtpSink(p, inbox);
    }

    /** The messages received so far, as their raw bytes. */
    public List<Path> messages() throws IOException {
        try (Stream<Path> s = Files.list(inbox)) {
            return s.filter(f -> f.toString().endsWith(".eml")).sorted().toList();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.close();
    }
}
