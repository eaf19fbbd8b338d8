package dev.mailpipe.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MessageEncoderTest {
    private static String encode(String s) {
        return MessageEncoder.dataContent(s.getBytes(StandardCharsets.UTF_8)).toString(StandardCharsets.UTF_8);
    }

    @Test
    void crlfStaysAndTheEndIsAdded() {
        assertEquals("a\r\nb\r\n.\r\n", encode("a\r\nb\r\n"));
    }

    @Test
    void bareLineEndsBecomeCrlfSoNoPeerSeesAnotherEnd() {
        assertEquals("a\r\n..\r\nb\r\nc\r\n..\r\n.\r\n", encode("a\n.\nb\rc\r\n.\r"));
    }

    @Test
    void leadingDotsAreStuffed() {
        assertEquals("..hidden\r\nx.y\r\n...\r\n.\r\n", encode(".hidden\r\nx.y\r\n.."));
    }

    @Test
    void aMessageWithoutFinalLineEndGetsOne() {
        assertEquals("last\r\n.\r\n", encode("last"));
    }
}
