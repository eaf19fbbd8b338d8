package dev.mailpipe.relay.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
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

    @Test
    void anEmptyMessageIsOnlyTheEnd() {
        assertEquals(".\r\n", encode(""));
    }

    @Test
    void aBareCrBeforeCrlfIsALineOfItsOwn() {
        assertEquals("a\r\n\r\nb\r\n.\r\n", encode("a\r\r\nb"));
    }

    /** Lines copied whole give what the rules give applied a byte at a time, on any mix of the tricky bytes. */
    @Test
    void randomMessagesEncodeAsTheRulesSay() {
        Random random = new Random(5321);
        byte[] alphabet = {'a', '.', '\r', '\n', ' '};
        for (int round = 0; round < 2000; round++) {
            byte[] message = new byte[random.nextInt(40)];
            for (int i = 0; i < message.length; i++) {
                message[i] = alphabet[random.nextInt(alphabet.length)];
            }
            assertEquals(byteByByte(message), MessageEncoder.dataContent(message).toString(StandardCharsets.ISO_8859_1),
                    () -> "for " + new String(message, StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n"));
        }
    }

    private static String byteByByte(byte[] message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean lineStart = true;
        for (int i = 0; i < message.length; i++) {
            byte b = message[i];
            if (b == '\r' || b == '\n') {
                out.write('\r');
                out.write('\n');
                if (b == '\r' && i + 1 < message.length && message[i + 1] == '\n') {
                    i++;
                }
                lineStart = true;
                continue;
            }
            if (lineStart && b == '.') {
                out.write('.');
            }
            out.write(b);
            lineStart = false;
        }
        if (!lineStart) {
            out.write('\r');
            out.write('\n');
        }
        out.write('.');
        out.write('\r');
        out.write('\n');
        return out.toString(StandardCharsets.ISO_8859_1);
    }
}
