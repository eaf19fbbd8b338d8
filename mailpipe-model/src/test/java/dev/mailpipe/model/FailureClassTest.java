package dev.mailpipe.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Replies as the big providers and common MTAs write them, and the class each gets. */
@Tag("unit")
class FailureClassTest {
    private static String of(String status, String text) {
        return FailureClass.of(status, text).label();
    }

    @Test
    void theEnhancedCodeDecidesWhereItSaysEnough() {
        assertEquals("invalid-recipient", of("5.1.1", "550 5.1.1 <x@gmail.com>: The email account that you tried to reach does not exist."));
        assertEquals("bad-domain", of("5.1.2", "bad destination system"));
        assertEquals("bad-domain", of("5.1.10", "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"));
        assertEquals("quota", of("4.2.2", "452 4.2.2 The email account that you tried to reach is over quota."));
        assertEquals("content", of("5.3.4", "552 5.3.4 Message size exceeds fixed limit"));
        assertEquals("routing", of("4.4.1", "x-mailpipe; no MX host reachable: mx.test: connection refused"));
        assertEquals("routing", of("4.4.7", "gave up after 5d"));
        assertEquals("auth", of("5.7.26", "550 5.7.26 This mail is unauthenticated, which poses a security risk to the sender and Gmail users"));
        assertEquals("auth", of("5.7.23", "SPF validation failed"));
        assertEquals("policy", of("4.7.28", "421 4.7.28 Gmail has detected an unusual rate of unsolicited mail"));
    }

    @Test
    void aGenericCodeIsReadByItsText() {
        assertEquals("spam-block", of("5.7.1", "550 5.7.1 Service unavailable, Client host [192.0.2.1] blocked using Spamhaus"));
        assertEquals("spam-block", of("5.7.1", "554 5.7.1 [P4] Message blocked due to spam content in the message"));
        assertEquals("auth", of("5.7.1", "550 5.7.1 Unauthenticated email from example.com is not accepted due to domain's DMARC policy"));
        assertEquals("policy", of("5.7.1", "554 5.7.1 <a@b.test>: Relay access denied"));
        assertEquals("policy", of("5.7.1", "550 5.7.1 Command rejected"), "a 5.7.x nothing more is known of");
        assertEquals("invalid-recipient", of("5.0.0", "550 5.0.0 <bob@yahoo.com>: Recipient address rejected: User unknown in local recipient table"));
        assertEquals("quota", of(null, "552 Requested mail action aborted: mailbox full"));
        assertEquals("invalid-recipient", of(null, "550 Requested action not taken: mailbox unavailable, no such user here"),
                "no enhanced code: the reply's words");
        assertEquals("invalid-recipient", of(null, "550 5.1.1 unknown"), "the code inside the text when none was given");
        assertEquals("other", of("5.5.2", "500 5.5.2 Syntax error, command unrecognized"));
        assertEquals("other", of(null, null));
    }
}
