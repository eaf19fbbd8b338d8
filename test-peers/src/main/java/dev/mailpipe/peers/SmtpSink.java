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

    /** {@code mode}: accept, tempfail (451 at RCPT), reject (550 at RCPT), slow or drop (after DATA). */
    public static SmtpSink start(String host, int port, Path dir, String mode) throws IOException, InterruptedException {
        return start(host, port, dir, mode, false);
    }

    /** With {@code tls}, the sink offers STARTTLS with a self-signed certificate made by openssl. */
    public static SmtpSink start(String host, int port, Path dir, String mode, boolean tls)
            throws IOException, InterruptedException {
        if (!tls) {
            return start(host, port, dir, mode, null, null);
        }
        Files.createDirectories(dir);
        Path cert = dir.resolve("sink-cert.pem");
        Path key = dir.resolve("sink-key.pem");
        TestCa.openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=sink.test", "-keyout", key.toString(), "-out", cert.toString());
        return start(host, port, dir, mode, cert, key);
    }

    /** STARTTLS with this certificate (PEM, its chain after it) and key; none when they are null. */
    public static SmtpSink start(String host, int port, Path dir, String mode, Path cert, Path key)
            throws IOException, InterruptedException {
        Path inbox = dir.resolve("inbox");
        Files.createDirectories(inbox);
        List<String> command = new java.util.ArrayList<>(List.of("/usr/bin/python3",
                Loopback.resource("smtp_sink.py", dir).toString(), "--host", host, "--port",
                String.valueOf(port), "--dir", inbox.toString(), "--mode", mode));
        if (cert != null) {
            command.addAll(List.of("--tls-cert", cert.toString(), "--tls-key", key.toString()));
        }
        ChildProcess p = ChildProcess.start("smtp-sink " + host, command, dir, Map.of(), dir.resolve("sink.log"));
        p.awaitOutput("ready", Duration.ofSeconds(20));
        return new SmtpSink(p, inbox);
    }

    /** The messages received so far, in the order they came (within one sink process). */
    public List<Path> messages() throws IOException {
        try (Stream<Path> s = Files.list(inbox)) {
            return s.filter(f -> f.toString().endsWith(".eml")).sorted().toList();
        }
    }

    /** What the sink noted about the connection that carried this message: SESSION and TLS lines. */
    public static String session(Path message) throws IOException {
        return Files.readString(Path.of(message.toString().replace(".eml", ".session")));
    }

    @Override
    public void close() throws InterruptedException {
        process.close();
    }
}
