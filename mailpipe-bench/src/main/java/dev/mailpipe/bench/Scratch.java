package dev.mailpipe.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * What a system leaves behind once its rounds are over. The logs stay for reading; the mail, the
 * queues and the broker's data go: 5000 messages per round are hundreds of MiB per system, and a
 * full disk made a later run's Postfix refuse mail (452 4.3.1).
 */
final class Scratch {
    private Scratch() {
    }

    /** Deletes every file under {@code dir} that is not a log, and the directories left empty. */
    static void keepOnlyLogs(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(dir)).forEach(p -> {
                try {
                    if (Files.isDirectory(p)) {
                        if (isEmpty(p)) {
                            Files.delete(p);
                        }
                    } else if (!isLog(p.getFileName().toString())) {
                        Files.delete(p);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A log, not a Kafka segment (data, though named {@code 00000000000000000000.log}). */
    static boolean isLog(String name) {
        return name.endsWith(".log") && !name.matches("[0-9]+\\.log");
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }
}
