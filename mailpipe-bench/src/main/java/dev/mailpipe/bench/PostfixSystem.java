package dev.mailpipe.bench;

import dev.mailpipe.peers.Loopback;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Postfix from Debian as a private instance ({@code bench/postfix-instance}): its own configuration
 * and queue under a temporary directory, SMTP on a loopback port, virtual(8) delivery to Maildirs
 * laid out as mailpipe lays them out, remote.test relayed to the loopback sink. It fsyncs each queue
 * file before 250 and each Maildir file before it counts as delivered, as Postfix always does.
 */
record PostfixSystem(Path dir, int smtpPort) implements MailSystem {

    /** {@code milter}: null, or the milter every message goes through (smtpd_milters). */
    static PostfixSystem start(Path dir, int relayPort, List<String> mailboxes, String milter) throws IOException, InterruptedException {
        int port = Loopback.freePort();
        List<String> command = new ArrayList<>(List.of(script().toString(), "start", dir.toString(),
                String.valueOf(port), String.valueOf(relayPort)));
        command.addAll(mailboxes);
        run(command, milter == null ? Map.of() : Map.of("POSTFIX_MILTER", milter));
        // master(8) forks the listeners; wait until the port answers.
        Loopback.awaitListening("127.0.0.1", port, Duration.ofSeconds(10));
        return new PostfixSystem(dir, port);
    }

    private static Path script() {
        return Loopback.repoRoot().resolve("bench/postfix-instance");
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        run(command, Map.of());
    }

    private static void run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
        }
    }

    @Override
    public String name() {
        return "postfix";
    }

    @Override
    public Path mailRoot() {
        return dir.resolve("mail");
    }

    @Override
    public Set<Long> processes() {
        try {
            return Set.of(Long.parseLong(Files.readString(dir.resolve("queue/pid/master.pid")).trim()));
        } catch (IOException | NumberFormatException e) {
            return Set.of();
        }
    }

    @Override
    public void close() throws Exception {
        run(List.of(script().toString(), "stop", dir.toString()));
    }
}
