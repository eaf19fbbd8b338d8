package dev.mailpipe.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReplyParserTest {
    @Test
    void multiLineRepliesEndAtTheLineWithASpace() {
        ReplyParser p = new ReplyParser();
        assertNull(p.feed("250-mx.test greets you"));
        assertNull(p.feed("250-SIZE 1000"));
        SmtpReply r = p.feed("250 PIPELINING");
        assertEquals(250, r.code());
        assertEquals(List.of("mx.test greets you", "SIZE 1000", "PIPELINING"), r.lines());
        assertEquals(354, p.feed("354 go ahead").code());
    }

    @Test
    void enhancedStatusIsReadOrDerived() {
        ReplyParser p = new ReplyParser();
        assertEquals("5.1.1", p.feed("550 5.1.1 no such user").status());
        assertEquals("4.0.0", p.feed("451 try later").status());
        assertEquals("smtp; 550 5.1.1 no such user", p.feed("550 5.1.1 no such user").diagnostic());
    }

    @Test
    void garbageIsNotAReply() {
        assertThrows(IllegalArgumentException.class, () -> new ReplyParser().feed("hello"));
        ReplyParser p = new ReplyParser();
        p.feed("250-a");
        assertThrows(IllegalArgumentException.class, () -> p.feed("550 b"));
    }
}
