package dev.mailpipe.delivery;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Writes one message into a Maildir the way every Maildir reader expects (Dovecot included):
 * create it in {@code tmp/}, fsync it, rename it into {@code new/}, fsync {@code new/}.
 *
 * <p>The file name is derived from the message id and the recipient, not from a clock or a counter,
 * so a record that Kafka hands over twice (after a crash before the offset commit) finds its file
 * already there and is not written again. It still follows the Maildir form
 * {@code <time>.<unique>.<host>,S=<size>}; Dovecot moves read mail to {@code cur/} with a
 * {@code :2,<flags>} suffix, which {@link #readNames} also recognises.
 */
final class MaildirWriter {
    /** One per writer thread: looking the algorithm up among the providers costs more than hashing. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    });

    private final boolean fsync;

    MaildirWriter(boolean fsync) {
        this.fsync = fsync;
    }

    /** One message for one mailbox. */
    record Delivery(Path maildir, String messageId, String recipient, long receivedEpochMillis, byte[] head, byte[] body) {
    }

    /** The outcome of one delivery: its file, or the error that stopped it (then {@code file} is null). */
    record Result(Delivery delivery, Path file, boolean duplicate, IOException error) {
    }

    Result deliver(Path maildir, String messageId, String recipient, long receivedEpochMillis, byte[] head,
            byte[] body) throws IOException {
        Result r = deliverAll(List.of(new Delivery(maildir, messageId, recipient, receivedEpochMillis, head, body)),
                Runnable::run).get(0);
        if (r.error() != null) {
            throw r.error();
        }
        return r;
    }

    /**
     * Delivers a batch: every file written and fsync'd in {@code tmp/} and renamed into {@code new/}
     * at once on {@code writers} (the journal merges concurrent commits), then each {@code new/}
     * fsync'd once for all its files. A file counts as delivered only once its directory is synced.
     * One delivery's failure (a full disk, a read-only mailbox) fails only the deliveries it touches.
     */
    List<Result> deliverAll(List<Delivery> batch, Executor writers) {
        // Each mailbox's cur/ is read once per batch, not once per message: a mailbox holds
        // thousands of read messages, and a second look at the same directory finds the same names.
        Map<Path, Set<String>> read = new HashMap<>();
        List<CompletableFuture<Result>> written = new ArrayList<>();
        for (Delivery d : batch) {
            Set<String> readHere;
            try {
                readHere = read.computeIfAbsent(d.maildir(), MaildirWriter::readNames);
            } catch (UncheckedIOException e) {
                written.add(CompletableFuture.completedFuture(new Result(d, null, false, e.getCause())));
                continue;
            }
            written.add(CompletableFuture.supplyAsync(() -> write(d, readHere), writers));
        }
        List<Result> results = new ArrayList<>();
        Map<Path, List<Integer>> toSync = new LinkedHashMap<>();
        for (CompletableFuture<Result> f : written) {
            Result r = f.join();
            if (r.error() == null) {
                // A duplicate may be the rename of a try whose directory sync failed: sync it again.
                toSync.computeIfAbsent(r.file().getParent(), k -> new ArrayList<>()).add(results.size());
            }
            results.add(r);
        }
        if (fsync) {
            Map<Path, CompletableFuture<IOException>> synced = new LinkedHashMap<>();
            toSync.keySet().forEach(dir -> synced.put(dir, CompletableFuture.supplyAsync(() -> {
                try {
                    syncDirectory(dir);
                    return null;
                } catch (IOException e) {
                    return e;
                }
            }, writers)));
            synced.forEach((dir, f) -> {
                IOException e = f.join();
                if (e != null) {
                    for (int i : toSync.get(dir)) {
                        Result r = results.get(i);
                        results.set(i, new Result(r.delivery(), null, false, e));
                    }
                }
            });
        }
        return results;
    }

    private Result write(Delivery d, Set<String> readNames) {
        Path temp = null;
        try {
            long size = d.head().length + (long) d.body().length;
            String name = d.receivedEpochMillis() / 1000 + ".M" + digest(d.messageId() + "\0" + d.recipient())
                    + ".mailpipe,S=" + size;
            Path tmp = d.maildir().resolve("tmp");
            Path cur = d.maildir().resolve("cur");
            Path fresh = d.maildir().resolve("new");
            ensureDirectories(d.maildir(), tmp, fresh, cur);
            Path target = fresh.resolve(name);
            if (readNames.contains(name) || Files.exists(target)) {
                return new Result(d, target, true, null);
            }
            temp = tmp.resolve(name);
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(ch, d.head());
                writeFully(ch, d.body());
                if (fsync) {
                    ch.force(true);
                }
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            return new Result(d, target, false, null);
        } catch (IOException e) {
            // Nothing half written stays in tmp/: the message may go to the retry tiers from here
            // and come back another day under the same name.
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // the next try truncates it; a reader never looks in tmp/
                }
            }
            return new Result(d, null, false, e);
        }
    }

    /**
     * The base names of the messages in a Maildir's {@code cur/}: what a reader moved there, with
     * its {@code :2,<flags>} info cut off. Empty for a mailbox that does not exist yet.
     */
    static Set<String> readNames(Path maildir) {
        Set<String> names = new HashSet<>();
        try (DirectoryStream<Path> cur = Files.newDirectoryStream(maildir.resolve("cur"))) {
            for (Path p : cur) {
                String name = p.getFileName().toString();
                int info = name.indexOf(":2,");
                names.add(info < 0 ? name : name.substring(0, info));
            }
        } catch (NoSuchFileException e) {
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return names;
    }

    private void ensureDirectories(Path maildir, Path tmp, Path fresh, Path cur) throws IOException {
        if (Files.isDirectory(tmp) && Files.isDirectory(fresh) && Files.isDirectory(cur)) {
            return;
        }
        if (maildir.getFileName().toString().startsWith(".")) {
            // A Maildir++ folder (.Junk): its mailbox's own Maildir must be one too, or a reader
            // cannot open the inbox of a mailbox whose first mail was junk; and the folder says it
            // is one, as Dovecot's own folders do.
            Path root = maildir.getParent();
            ensureDirectories(root, root.resolve("tmp"), root.resolve("new"), root.resolve("cur"));
            Files.createDirectories(maildir);
            Path marker = maildir.resolve("maildirfolder");
            if (!Files.exists(marker)) {
                Files.createFile(marker);
            }
        }
        Files.createDirectories(tmp);
        Files.createDirectories(fresh);
        Files.createDirectories(cur);
        if (fsync) {
            // A new mailbox: make its directories durable too, each entry in its parent, up to the
            // root's own entry (<root>/<domain>/<user>/Maildir: a new domain or a new root too).
            syncDirectory(maildir);
            Path dir = maildir.getParent();
            for (int up = 0; up < 4 && dir != null; up++, dir = dir.getParent()) {
                syncDirectory(dir);
            }
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

    private static String digest(String s) {
        MessageDigest sha256 = SHA256.get();
        sha256.reset();
        return HexFormat.of().formatHex(sha256.digest(s.getBytes(StandardCharsets.UTF_8)), 0, 12);
    }

}
