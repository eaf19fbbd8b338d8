package dev.mailpipe.peers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Postfix from Debian as a private instance ({@code test-peers/postfix-instance}, as root): its own
 * configuration and queue under a directory, smtpd(8) on a loopback address and port, virtual(8)
 * delivery to Maildirs laid out as mailpipe lays them out, other domains by its transport map. It
 * fsyncs each queue file before its 250 and each Maildir file before it counts as delivered.
 */
public final class PostfixInstance implements AutoCloseable {
    private final Path dir;
    public final String address;
    public final int port;

    private PostfixInstance(Path dir, String address, int port) {
        this.dir = dir;
        this.address = address;
        this.port = port;
    }

    /** What the instance is, beyond its mailboxes: where it listens, where other mail goes, and more. */
    /**
     * {@code listen} and {@code port}: smtpd's loopback address, and its port (0: a free one); {@code transport}: transport(5) lines, none for the
     * script's own (remote.test to 127.0.0.2 at the relay port); {@code milter}: null, or one for
     * every message; {@code mainCf}: more main.cf lines.
     */
    public record Settings(String listen, int port, List<String> transport, String milter, List<String> mainCf) {
    }

    /**
     * Starts an instance under {@code dir} that takes mail for {@code mailboxes} (all of the first
     * one's domain) where {@code settings} says; {@code relayPort} is the port of the default
     * transport's MX.
     */
    public static PostfixInstance start(Path dir, int relayPort, List<String> mailboxes, Settings settings)
            throws IOException, InterruptedException {
        DebianPeers.require("smtp-source"); // Debian's postfix package, which the script runs
        int port = settings.port() != 0 ? settings.port() : Loopback.freePort(settings.listen());
        List<String> command = new ArrayList<>(List.of(script().toString(), "start", dir.toString(), String.valueOf(port),
                String.valueOf(relayPort)));
        command.addAll(mailboxes);
        Map<String, String> env = new HashMap<>();
        env.put("POSTFIX_LISTEN", settings.listen());
        if (!settings.transport().isEmpty()) {
            env.put("POSTFIX_TRANSPORT", String.join("\n", settings.transport()));
        }
        if (settings.milter() != null) {
            env.put("POSTFIX_MILTER", settings.milter());
        }
        if (!settings.mainCf().isEmpty()) {
            env.put("POSTFIX_SETTINGS", String.join("\n", settings.mainCf()));
        }
        run(command, env);
        // master(8) forks the listeners; wait until the port answers.
        Loopback.awaitListening(settings.listen(), port, Duration.ofSeconds(10));
        return new PostfixInstance(dir, settings.listen(), port);
    }

    private static Path script() {
        return Loopback.repoRoot().resolve("test-peers/postfix-instance");
    }

    private static void run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
        }
    }

    /** Where virtual(8) delivers: {@code <domain>/<user>/Maildir/} below it. */
    public Path mailRoot() {
        return dir.resolve("mail");
    }

    /** The Maildir's {@code new} directory of {@code mailbox}. */
    public Path newMail(String mailbox) {
        int at = mailbox.indexOf('@');
        return mailRoot().resolve(mailbox.substring(at + 1)).resolve(mailbox.substring(0, at)).resolve("Maildir").resolve("new");
    }

    /** The instance's mail log (maillog_file), empty until it has written one. */
    public String log() throws IOException {
        Path log = dir.resolve("maillog.log");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
    }

    /** master(8)'s process id, while it runs. */
    public OptionalLong masterPid() {
        try {
            return OptionalLong.of(Long.parseLong(Files.readString(dir.resolve("queue/pid/master.pid")).trim()));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run(List.of(script().toString(), "stop", dir.toString()), Map.of());
    }
}
