package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A policy server's actions, as Postfix's access(5) reads them, and the replies they give. */
@Tag("unit")
class PolicyActionTest {
    private static final String RCPT = "<alice@example.test>";

    private static MailTransaction tx() {
        return MailTransaction.none();
    }

    private static String reply(String action) {
        HookResult r = PolicyAction.interpret(action, RCPT, tx(), "s");
        return r.refused() ? r.reply().toBuffer().toString().trim() : r.kind().name();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "OK|ACCEPT",
        "dunno|NEXT",
        "REJECT|554 5.7.1 <alice@example.test>: Recipient address rejected: Access denied",
        "REJECT no thanks|554 5.7.1 <alice@example.test>: Recipient address rejected: no thanks",
        "DEFER_IF_PERMIT Greylisted, see http://postgrey.example/|450 4.7.1 <alice@example.test>: Recipient address rejected: Greylisted, see http://postgrey.example/",
        "DEFER|450 4.7.1 <alice@example.test>: Recipient address rejected: Try again later",
        "450 4.7.28 slow down|450 4.7.28 <alice@example.test>: Recipient address rejected: slow down",
        "521 go away|521 5.7.1 <alice@example.test>: Recipient address rejected: go away",
        "550 4.1.1 mismatched class|550 5.7.1 <alice@example.test>: Recipient address rejected: 4.1.1 mismatched class",
        "HOLD|NEXT",
        "WARN odd client|NEXT",
        "DEFER_IF_REJECT|NEXT",
        "FROBNICATE|451 4.3.5 Server configuration error",
        "250 fine|451 4.3.5 Server configuration error",
        "''|451 4.3.5 Server configuration error",
    })
    void actionsGiveTheirReplies(String action, String expected) {
        assertEquals(expected, reply(action));
    }

    @Test
    void prependAndDiscardAreKeptForTheEndOfData() {
        MailTransaction t = tx();
        assertSame(HookResult.NEXT, PolicyAction.interpret("PREPEND X-Greylist: delayed 3 seconds", RCPT, t, "s"));
        assertEquals(List.of("X-Greylist: delayed 3 seconds"), t.prepended);
        assertTrue(PolicyAction.interpret("PREPEND not a field", RCPT, t, "s").refused());
        assertEquals(1, t.prepended.size());
        PolicyAction.interpret("DISCARD", RCPT, t, "s");
        assertTrue(t.discarded);
    }

    @Test
    void aServerCannotPutALineBreakIntoAReply() {
        String r = reply("REJECT bad\r\n250 ok");
        assertTrue(r.startsWith("554 5.7.1") && !r.contains("\n"), r);
    }
}
