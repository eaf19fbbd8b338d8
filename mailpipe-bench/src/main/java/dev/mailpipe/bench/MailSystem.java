package dev.mailpipe.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;

/** One system bench/compare measures: where it takes SMTP, where it delivers, which processes it is. */
interface MailSystem extends AutoCloseable {
    String name();

    int smtpPort();

    /** The Maildir root, laid out {@code <domain>/<user>/Maildir/}; null for a system that delivers nothing. */
    Path mailRoot();

    /** The pids whose process trees make up the system (for its memory). */
    Set<Long> processes();

    @Override
    void close() throws Exception;

    /** Files in every {@code new/} of the local domain's Maildirs. */
    static long delivered(Path root, Iterable<String> mailboxes) {
        long n = 0;
        for (String m : mailboxes) {
            Path dir = root.resolve(m.substring(m.indexOf('@') + 1)).resolve(m.substring(0, m.indexOf('@')))
                    .resolve("Maildir/new");
            n += files(dir);
        }
        return n;
    }

    static long files(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        } catch (IOException e) {
            return 0;
        }
    }
}
