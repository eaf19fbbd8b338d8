package dev.mailpipe.delivery;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Writes one message into a Maildir the way every Maildir reader expects (Dovecot included):
 * create it in {@code tmp/}, fsync it, rename it into {@code new/}, fsync {@code new/}.
 *
 * <p>The file name is derived from the message id and the recipient, not from a clock or a counter,
 * so a record that Kafka hands over twice (after a crash before the offset commit) finds its file
 * already there and is not written again. It still follows the Maildir form
 * {@code <time>.<unique>.<host>,S=<size>}; Dovecot moves read mail to {@code cur/} with a
 * {@code :2,<flags>} suffix, which {@link #alreadyDelivered} also recognises.
 */
final class MaildirWriter {
    private final boolean fsync;

    MaildirWriter(boolean fsync) {
        this.fsync = fsync;
    }

    /** The outcome of one delivery. */
    record Result(Path file, boolean duplicate) {
    }

    Result deliver(Path maildir, String messageId, String recipient, long receivedEpochSeconds, byte[] head,
            byte[] body) throws IOException {
        long size = head.length + (long) body.length;
        String base = receivedEpochSeconds + ".M" + digest(messageId + "\0" + recipient) + ".mailpipe";
        String name = base + ",S=" + size;
        Path tmp = maildir.resolve("tmp");
        Path cur = maildir.resolve("cur");
        Path fresh = maildir.resolve("new");
        ensureDirectories(maildir, tmp, fresh, cur);
        Path target = fresh.resolve(name);
        if (alreadyDelivered(target, cur, name)) {
            return new Result(target, true);
        }
        Path temp = tmp.resolve(name);
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, head);
            writeFully(ch, body);
            if (fsync) {
                ch.force(true);
            }
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        if (fsync) {
            syncDirectory(fresh);
        }
        return new Result(target, false);
    }

    private static boolean alreadyDelivered(Path target, Path cur, String name) throws IOException {
        if (Files.exists(target)) {
            return true;
        }
        try (DirectoryStream<Path> read = Files.newDirectoryStream(cur, glob(name) + ":2,*")) {
            return read.iterator().hasNext();
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    private void ensureDirectories(Path maildir, Path tmp, Path fresh, Path cur) throws IOException {
        if (Files.isDirectory(tmp) && Files.isDirectory(fresh) && Files.isDirectory(cur)) {
            return;
        }
        Files.createDirectories(tmp);
        Files.createDirectories(fresh);
        Files.createDirectories(cur);
        if (fsync) {
            // A new mailbox: make its directories durable too, up to the domain.
            syncDirectory(maildir);
            syncDirectory(maildir.getParent());
            syncDirectory(maildir.getParent().getParent());
        }
    }

    private static void writeFully(FileChannel ch, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static String glob(String name) {
        return name.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?").replace("[", "\\[")
                .replace("{", "\\{");
    }

    private static String digest(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
