package dev.mailpipe.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

@Tag("unit")
class MailboxPathTest {
    private final Path root = Path.of("/srv/mail");

    @Test
    void mailboxesLiveUnderDomainAndLocalPart() throws Exception {
        assertEquals(Path.of("/srv/mail/example.test/alice/Maildir"), MailboxPath.of(root, "Alice@Example.TEST"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"../etc@example.test", "..@example.test", "a/b@example.test", ".hidden@example.test",
        "\"../../x\"@example.test", "a\u0000b@example.test", "a\nb@example.test", "alice@..", "alice@[127.0.0.1]",
        "nobody", "a:b@example.test"})
    void addressesThatCouldEscapeTheRootAreRefused(String address) {
        assertThrows(MailboxPath.UnsafeAddressException.class, () -> MailboxPath.of(root, address));
    }
}
