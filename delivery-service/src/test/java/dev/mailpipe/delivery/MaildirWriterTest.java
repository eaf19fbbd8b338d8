package dev.mailpipe.delivery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("unit")
class MaildirWriterTest {
    @TempDir
    Path root;

    private final byte[] head = "Return-Path: <s@y.test>\r\n".getBytes(StandardCharsets.UTF_8);
    private final byte[] body = "Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8);

    @Test
    void writesThroughTmpIntoNewWithTheSizeInTheName() throws Exception {
        Path maildir = root.resolve("example.test/alice/Maildir");
        MaildirWriter.Result r = new MaildirWriter(true).deliver(maildir, "m1", "alice@example.test", 1_700_000_000_000L, head, body);
        assertFalse(r.duplicate());
        assertEquals(maildir.resolve("new"), r.file().getParent());
        assertTrue(r.file().getFileName().toString().matches("1700000000\\.M[0-9a-f]{24}\\.mailpipe,S=" + (head.length + body.length)));
        byte[] all = Files.readAllBytes(r.file());
        assertArrayEquals((new String(head, StandardCharsets.UTF_8) + new String(body, StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.UTF_8), all);
        try (Stream<Path> tmp = Files.list(maildir.resolve("tmp"))) {
            assertEquals(0, tmp.count());
        }
        assertTrue(Files.isDirectory(maildir.resolve("cur")));
    }

    @Test
    void theSameRecordTwiceMakesOneFileEvenAfterTheReaderMovedIt() throws Exception {
        Path maildir = root.resolve("example.test/bob/Maildir");
        MaildirWriter w = new MaildirWriter(false);
        MaildirWriter.Result first = w.deliver(maildir, "m2", "bob@example.test", 1, head, body);
        assertTrue(w.deliver(maildir, "m2", "bob@example.test", 1, head, body).duplicate());
        // A reader (Dovecot) marks it seen: new/<name> becomes cur/<name>:2,S.
        Files.move(first.file(), maildir.resolve("cur").resolve(first.file().getFileName() + ":2,S"));
        assertTrue(w.deliver(maildir, "m2", "bob@example.test", 1, head, body).duplicate());
        assertFalse(w.deliver(maildir, "m3", "bob@example.test", 1, head, body).duplicate(), "another message");
        assertFalse(w.deliver(maildir, "m2", "bob+x@example.test", 1, head, body).duplicate(), "another recipient");
    }

    @Test
    void aBatchFindsItsReadCopiesAmongManyInCurWhateverTheirFlags() throws Exception {
        Path maildir = root.resolve("example.test/dave/Maildir");
        MaildirWriter w = new MaildirWriter(false);
        java.util.List<MaildirWriter.Delivery> batch = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            batch.add(new MaildirWriter.Delivery(maildir, "r" + i, "dave@example.test", 1000, head, body));
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            java.util.List<MaildirWriter.Result> first = w.deliverAll(batch, pool);
            // The reader moves three of them, with different flags; other read mail fills cur/.
            String[] flags = {":2,", ":2,S", ":2,FRS"};
            for (int i = 0; i < 3; i++) {
                Path f = first.get(i).file();
                Files.move(f, maildir.resolve("cur").resolve(f.getFileName() + flags[i]));
            }
            for (int i = 0; i < 500; i++) {
                Files.writeString(maildir.resolve("cur").resolve(i + ".Mother.host,S=1:2,S"), "x");
            }
            java.util.List<MaildirWriter.Delivery> again = new java.util.ArrayList<>(batch);
            again.add(new MaildirWriter.Delivery(maildir, "r-new", "dave@example.test", 1000, head, body));
            java.util.List<MaildirWriter.Result> second = w.deliverAll(again, pool);
            for (int i = 0; i < 6; i++) {
                assertTrue(second.get(i).duplicate(), "copy " + i + " is already there");
            }
            assertFalse(second.get(6).duplicate(), "a message not delivered before");
            try (Stream<Path> fresh = Files.list(maildir.resolve("new"))) {
                assertEquals(4, fresh.count(), "three unread copies and the new message");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aBatchWritesInParallelAndABadMailboxFailsOnlyItsOwnDeliveries() throws Exception {
        Path good = root.resolve("example.test/alice/Maildir");
        Path bad = root.resolve("example.test/carol/Maildir");
        Files.createDirectories(bad);
        Files.writeString(bad.resolve("tmp"), "not a directory");
        java.util.List<MaildirWriter.Delivery> batch = new java.util.ArrayList<>();
        for (int i = 0; i < 30; i++) {
            batch.add(new MaildirWriter.Delivery(i % 10 == 9 ? bad : good, "b" + i, "x@example.test", 1000, head, body));
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            MaildirWriter w = new MaildirWriter(true);
            java.util.List<MaildirWriter.Result> results = w.deliverAll(batch, pool);
            assertEquals(27, results.stream().filter(r -> r.error() == null && !r.duplicate()).count());
            assertEquals(3, results.stream().filter(r -> r.error() != null).count());
            for (int i = 0; i < 30; i++) {
                assertEquals(i % 10 == 9, results.get(i).error() != null, "result " + i + " is its own delivery's");
                assertEquals(batch.get(i), results.get(i).delivery());
            }
            try (Stream<Path> s = Files.list(good.resolve("new"))) {
                assertEquals(27, s.count());
            }
            // The fault clears; the whole batch again writes the three and finds the rest by name.
            Files.delete(bad.resolve("tmp"));
            results = w.deliverAll(batch, pool);
            assertEquals(27, results.stream().filter(MaildirWriter.Result::duplicate).count());
            assertEquals(3, results.stream().filter(r -> r.error() == null && !r.duplicate()).count());
            try (Stream<Path> s = Files.list(bad.resolve("new"))) {
                assertEquals(3, s.count());
            }
        } finally {
            pool.shutdown();
        }
    }
}
