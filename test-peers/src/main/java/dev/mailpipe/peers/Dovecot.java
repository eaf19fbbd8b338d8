package dev.mailpipe.peers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Dovecot (Debian's dovecot-imapd and dovecot-pop3d) serving a mailpipe mail root over IMAP and POP3
 * on loopback, with users from a passwd file or from mailpipe's registry (its checkpassword program);
 * and a real client (Python's imaplib/poplib) to read.
 */
public final class Dovecot implements AutoCloseable {
    private final ChildProcess process;
    private final Path dir;
    public final int imapPort;
    public final int pop3Port;

    private Dovecot(ChildProcess process, Path dir, int imapPort, int pop3Port) {
        this.process = process;
        this.dir = dir;
        this.imapPort = imapPort;
        this.pop3Port = pop3Port;
    }

    /** {@code users}: address to plain password (test users only). */
    public static Dovecot start(Path dir, Path mailRoot, Map<String, String> users) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        StringBuilder passwd = new StringBuilder();
        users.forEach((u, p) -> passwd.append(u).append(":{PLAIN}").append(p).append('\n'));
        Files.writeString(dir.resolve("passwd"), passwd);
        return start(dir, mailRoot, """
                passdb {
                  driver = passwd-file
                  args = scheme=PLAIN username_format=%u @@DIR@@/passwd
                }""");
    }

    /**
     * Users log in with their mailpipe registry password: Dovecot runs {@code checkpassword} (the
     * repo's {@code contrib/dovecot/checkpassword-mailpipe}), which asks the API at {@code apiUrl}.
     */
    public static Dovecot startWithRegistry(Path dir, Path mailRoot, Path checkpassword, String apiUrl)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path program = Files.copy(checkpassword, dir.resolve("checkpassword"));
        program.toFile().setExecutable(true, false);
        program.toFile().setReadable(true, false);
        return start(dir, mailRoot, """
                passdb {
                  driver = checkpassword
                  args = @@DIR@@/checkpassword
                }
                import_environment = $import_environment MAILPIPE_API_URL=%s""".formatted(apiUrl));
    }

    private static Dovecot start(Path dir, Path mailRoot, String passdb) throws IOException, InterruptedException {
        Files.createDirectories(dir.resolve("run"));
        // Dovecot's own processes run as unprivileged users: they must be able to reach the files.
        traversable(dir);
        traversable(mailRoot);
        Files.createDirectories(dir.resolve("state"));
        Path index = Files.createDirectories(dir.resolve("index"));
        index.toFile().setWritable(true, false);
        int imap = Loopback.freePort();
        int pop3 = Loopback.freePort();
        String conf = Files.readString(Loopback.resource("dovecot.conf", dir.resolve("template")))
                .replace("@@PASSDB@@", passdb)
                .replace("@@DIR@@", dir.toAbsolutePath().toString())
                .replace("@@MAIL_ROOT@@", mailRoot.toAbsolutePath().toString())
                .replace("@@IMAP_PORT@@", String.valueOf(imap))
                .replace("@@POP3_PORT@@", String.valueOf(pop3));
        Path confFile = dir.resolve("dovecot.conf");
        Files.writeString(confFile, conf);
        ChildProcess p = ChildProcess.start("dovecot", List.of("dovecot", "-F", "-c", confFile.toString()), dir, Map.of(),
                dir.resolve("dovecot.out"));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!Files.exists(dir.resolve("dovecot.log")) || !Files.readString(dir.resolve("dovecot.log")).contains("starting up")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("dovecot did not start: " + p.output());
            }
            Thread.sleep(100);
        }
        Dovecot d = new Dovecot(p, dir, imap, pop3);
        Loopback.awaitListening("127.0.0.1", imap, Duration.ofSeconds(10));
        Loopback.awaitListening("127.0.0.1", pop3, Duration.ofSeconds(10));
        return d;
    }

    /** Lets other users pass through every directory above {@code path} (test temp dirs are 0700). */
    private static void traversable(Path path) {
        for (Path p = path.toAbsolutePath(); p != null && p.getNameCount() > 1; p = p.getParent()) {
            p.toFile().setExecutable(true, false);
            p.toFile().setReadable(true, false);
        }
    }

    /** Every message of the user's INBOX as the client received it; {@code protocol}: imap or pop3. */
    public List<byte[]> read(String protocol, String user, String password) throws IOException, InterruptedException {
        return read(protocol, user, password, "127.0.0.1");
    }

    /** As {@link #read(String, String, String)}, the client connecting from {@code source} (a loopback address). */
    public List<byte[]> read(String protocol, String user, String password, String source) throws IOException, InterruptedException {
        return read(protocol, user, password, source, "INBOX");
    }

    /** Every message of the user's IMAP {@code folder} (Junk, say) as the client received it. */
    public List<byte[]> readFolder(String user, String password, String folder) throws IOException, InterruptedException {
        return read("imap", user, password, "127.0.0.1", folder);
    }

    private List<byte[]> read(String protocol, String user, String password, String source, String folder)
            throws IOException, InterruptedException {
        Path script = Loopback.resource("read_mailbox.py", dir.resolve("client"));
        int port = protocol.equals("imap") ? imapPort : pop3Port;
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), protocol, String.valueOf(port), user, password,
                source, folder).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        if (p.waitFor() != 0) {
            throw new IOException(protocol + " client failed: " + out + "\n" + log());
        }
        List<byte[]> messages = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                messages.add(Base64.getDecoder().decode(line.trim()));
            }
        }
        return messages;
    }

    public String log() throws IOException {
        Path f = dir.resolve("dovecot.log");
        return Files.exists(f) ? Files.readString(f) : "";
    }

    @Override
    public void close() throws InterruptedException {
        process.close();
    }
}
