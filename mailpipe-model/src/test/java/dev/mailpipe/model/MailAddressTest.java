package dev.mailpipe.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

@Tag("unit")
class MailAddressTest {

    @Test
    void splitsAtTheLastAtAndKeysInLowerCase() {
        MailAddress a = MailAddress.parse("\"odd@local\"@Example.TEST", false);
        assertEquals("\"odd@local\"", a.localPart());
        assertEquals("example.test", a.domainKey());
        assertEquals("Alice@Example.Test".toLowerCase(), MailAddress.parse("Alice@Example.Test").mailboxKey());
    }

    @Test
    void acceptsUtf8OnlyWhenAllowed() {
        assertEquals("用户", MailAddress.parse("用户@例子.test", true).localPart());
        assertThrows(MailAddress.InvalidAddressException.class, () -> MailAddress.parse("用户@example.test", false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"noat", "@example.test", "a@", "a..b@example.test", ".a@example.test",
        "a@-bad.test", "a@ex..test", "a b@example.test", "a@[300.1.1.1]", "\"open@example.test",
        "a@exa_mple.test", "a\u0000b@example.test"})
    void rejectsMalformed(String text) {
        assertThrows(MailAddress.InvalidAddressException.class, () -> MailAddress.parse(text, true));
    }

    @Test
    void limitsLengths() {
        assertThrows(MailAddress.InvalidAddressException.class,
                () -> MailAddress.parse("x".repeat(65) + "@example.test", false));
        assertEquals("[127.0.0.1]", MailAddress.parse("a@[127.0.0.1]", false).domain());
    }
}
