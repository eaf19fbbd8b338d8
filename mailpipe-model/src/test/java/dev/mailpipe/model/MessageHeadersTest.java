package dev.mailpipe.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class MessageHeadersTest {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String section(String message) {
        return new String(MessageHeaders.section(bytes(message)), StandardCharsets.ISO_8859_1);
    }

    @Test
    void theSectionEndsAtTheFirstEmptyLineWhateverTheLineEnds() {
        assertEquals("Subject: a\r\nFrom: b\r\n", section("Subject: a\r\nFrom: b\r\n\r\nDate: not a header\r\n"));
        assertEquals("Subject: a\n", section("Subject: a\n\nbody"));
        assertEquals("", section("\r\nSubject: in the body"));
        assertEquals("Subject: only headers\r\n", section("Subject: only headers\r\n"));
    }

    @Test
    void fieldsAreCountedByNameInAnyCaseAndOnlyInTheHeader() {
        byte[] m = bytes("Received: from a\r\n\tby b\r\nRECEIVED: from c\r\nX-Received: no\r\nSubject: Received: no\r\n\r\n"
                + "Received: in the body\r\n");
        assertEquals(2, MessageHeaders.count(m, "Received"));
        assertTrue(MessageHeaders.has(m, "subject"));
        assertFalse(MessageHeaders.has(m, "Date"));
    }

    @Test
    void datesAreRfc5322InUtcWhateverTheZoneGiven() {
        Instant t = Instant.parse("2026-12-01T12:00:00Z");
        assertEquals("Tue, 1 Dec 2026 12:00:00 +0000", MessageHeaders.date(t));
        assertEquals("Tue, 1 Dec 2026 12:00:00 +0000", MessageHeaders.date(t.atZone(ZoneId.of("Europe/Berlin"))));
    }

    @Test
    void eachSecondIsDatedAsItselfThoughTheLastOneIsRemembered() {
        Instant t = Instant.parse("2026-12-01T12:00:00.100Z");
        assertEquals("Tue, 1 Dec 2026 12:00:00 +0000", MessageHeaders.date(t));
        assertEquals("Tue, 1 Dec 2026 12:00:00 +0000", MessageHeaders.date(t.plusMillis(850)), "the same second");
        assertEquals("Tue, 1 Dec 2026 12:00:01 +0000", MessageHeaders.date(t.plusMillis(900)), "the next one");
        assertEquals("Tue, 1 Dec 2026 12:00:00 +0000", MessageHeaders.date(t), "and back");
        assertEquals("Wed, 2 Dec 2026 12:00:00 +0000", MessageHeaders.date(t.plus(java.time.Duration.ofDays(1))),
                "a day later at the same time of day");
    }

    @Test
    void aFieldsValueIsUnfoldedTrimmedAndTakenFromTheHeaderOnly() {
        byte[] m = bytes("Subject: hi\r\nmessage-id:\r\n <a@b.test>\r\nMessage-ID: <second@b.test>\r\n\r\nMessage-ID: <body@b.test>\r\n");
        assertEquals("<a@b.test>", MessageHeaders.value(m, "Message-ID"), "the first one, its folded line joined");
        assertEquals(null, MessageHeaders.value(bytes("Subject: x\r\n\r\nMessage-ID: <body@b.test>\r\n"), "Message-ID"),
                "a field in the body is not a field");
        assertEquals("hi", MessageHeaders.value(bytes("Subject:   hi  \n\nbody\n"), "subject"), "bare LF as BDAT keeps it");
    }

    @org.junit.jupiter.api.Test
    void headerFieldsAreCountedToTheLimitAndNoFurther() {
        byte[] three = "A: 1\r\nB: 2\r\n folded\r\nC: 3\r\n\r\nD: not a field\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        org.junit.jupiter.api.Assertions.assertFalse(MessageHeaders.moreFieldsThan(three, 0, 3));
        org.junit.jupiter.api.Assertions.assertTrue(MessageHeaders.moreFieldsThan(three, 0, 2));
        byte[] flood = "X: y\r\n".repeat(2_000_000).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        org.junit.jupiter.api.Assertions.assertTrue(MessageHeaders.moreFieldsThan(flood, 0, 1000));
    }
}
