package dev.mailpipe.delivery;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** How much a Maildir holds, read from the {@code ,S=<size>} in its file names where present. */
final class MaildirQuota {
    private MaildirQuota() {
    }

    static long usedBytes(Path maildir) throws IOException {
        long total = 0;
        for (String sub : List.of("new", "cur")) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(maildir.resolve(sub))) {
                for (Path f : files) {
                    total += size(f);
                }
            } catch (NoSuchFileException e) {
                // an empty mailbox
            }
        }
        return total;
    }

    private static long size(Path f) throws IOException {
        String name = f.getFileName().toString();
        int s = name.indexOf(",S=");
        if (s >= 0) {
            int end = s + 3;
            while (end < name.length() && Character.isDigit(name.charAt(end))) {
                end++;
            }
            if (end > s + 3) {
                return Long.parseLong(name.substring(s + 3, end));
            }
        }
        return Files.size(f);
    }
}
