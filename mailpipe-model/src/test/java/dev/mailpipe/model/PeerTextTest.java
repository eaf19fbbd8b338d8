package dev.mailpipe.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class PeerTextTest {
    @Test
    void noPeerTextStartsALineOfItsOwn() {
        assertEquals("alice??INFO forged line", PeerText.forLog("alice\r\nINFO forged line"));
        assertEquals("a?b?c?d?e", PeerText.oneLine("a\u0000b\u001bc\u0085d\u2028e"));
        assertEquals("plain text, ümlauts kept", PeerText.oneLine("plain text, ümlauts kept"));
        assertEquals("", PeerText.oneLine(null));
    }

    @Test
    void aLogLineCarriesAtMostTheLimitOfOneValue() {
        String huge = "x".repeat(100_000);
        String logged = PeerText.forLog(huge);
        assertEquals(PeerText.LOG_MAX + 3, logged.length());
        assertTrue(logged.endsWith("..."));
        assertEquals("short", PeerText.forLog("short"));
    }

    @Test
    void cleanTextIsRecognised() {
        assertTrue(PeerText.isClean("mx.example.test"));
        assertFalse(PeerText.isClean("mx\rexample"));
    }
}
