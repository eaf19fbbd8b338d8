package dev.mailpipe.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Tag("unit")
class AuthenticationResultsTest {
    @Test
    void theAuthservIdIsTheFirstWordOutsideComments() {
        assertEquals("mx.example.test", AuthenticationResults.authservId("mx.example.test; spf=pass"));
        assertEquals("mx.example.test", AuthenticationResults.authservId(" (a (nested) comment) mx.example.test 1; dkim=none"));
        assertEquals("mx.example.test", AuthenticationResults.authservId("mx.example.test(version follows)1; none"));
        assertEquals("mx.example.test", AuthenticationResults.authservId("(\\) quoted) mx.example.test;"));
        assertEquals("", AuthenticationResults.authservId("(unclosed mx.example.test; spf=pass"));
    }

    @Test
    @Timeout(5)
    void aFieldOfMegabytesOfParenthesesCostsOnePass() {
        String field = "Authentication-Results: " + "(".repeat(3_000_000) + "\r\n";
        byte[] message = (field + "Subject: x\r\n\r\nbody\r\n").getBytes(StandardCharsets.ISO_8859_1);
        assertTrue(AuthenticationResults.withoutClaimsOf("mx.example.test", message) == message, "not ours, left as it is");
    }

    @Test
    void aFieldClaimingOurIdIsRemovedWhateverItsComments() {
        byte[] message = ("Authentication-Results: (forged) MX.Example.Test; dkim=pass\r\nSubject: x\r\n\r\nbody\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        assertEquals("Subject: x\r\n\r\nbody\r\n",
                new String(AuthenticationResults.withoutClaimsOf("mx.example.test", message), StandardCharsets.ISO_8859_1));
    }
}
