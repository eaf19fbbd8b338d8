package dev.mailpipe.relay.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ReplyParserTest {
    @Test
    void multiLineRepliesEndAtTheLineWithASpace() {
        ReplyParser p = new ReplyParser(100);
        assertNull(p.feed("250-mx.test greets you"));
        assertNull(p.feed("250-SIZE 1000"));
        SmtpReply r = p.feed("250 PIPELINING");
        assertEquals(250, r.code());
        assertEquals(List.of("mx.test greets you", "SIZE 1000", "PIPELINING"), r.lines());
        assertEquals(354, p.feed("354 go ahead").code());
    }

    @Test
    void enhancedStatusIsReadOrDerived() {
        ReplyParser p = new ReplyParser(100);
        assertEquals("5.1.1", p.feed("550 5.1.1 no such user").status());
        assertEquals("4.0.0", p.feed("451 try later").status());
        assertEquals("smtp; 550 5.1.1 no such user", p.feed("550 5.1.1 no such user").diagnostic());
    }

    @Test
    void garbageIsNotAReply() {
        assertThrows(IllegalArgumentException.class, () -> new ReplyParser(100).feed("hello"));
        ReplyParser p = new ReplyParser(100);
        p.feed("250-a");
        assertThrows(IllegalArgumentException.class, () -> p.feed("550 b"));
    }

    @Test
    void anEndlessMultiLineReplyIsCutAtTheLimit() {
        ReplyParser p = new ReplyParser(3);
        p.feed("220-one");
        p.feed("220-two");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.feed("220-three"));
        assertEquals("reply of more than 3 lines", e.getMessage());
        ReplyParser fine = new ReplyParser(3);
        fine.feed("250-a");
        fine.feed("250-b");
        assertEquals(3, fine.feed("250 c").lines().size());
    }
}
