package dev.mailpipe.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class BytesTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void findsTheFirstOccurrenceOrNone() {
        assertEquals(8, Bytes.indexOf(b("{\"id\":1,\"type\":\"delivered\"}"), b("\"type\":\"")));
        assertEquals(2, Bytes.indexOf(b("aaabab"), b("abab")), "the first, after a false start");
        assertEquals(-1, Bytes.indexOf(b("\"typ"), b("\"type\"")), "a needle longer than what is left");
        assertEquals(-1, Bytes.indexOf(b("delivere"), b("delivered")));
        assertEquals(0, Bytes.indexOf(b("x"), b("")));
        assertEquals(-1, Bytes.indexOf(new byte[0], b("x")));
    }
}
