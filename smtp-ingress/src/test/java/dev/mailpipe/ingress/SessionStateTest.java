package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The command table: place in the conversation first, then port, TLS and authentication. */
@Tag("unit")
class SessionStateTest {
    private static final Requirement.Facts MX = new Requirement.Facts(false, true, false, null);
    private static final Requirement.Facts SUBMISSION_CLEAR = new Requirement.Facts(true, true, false, null);
    private static final Requirement.Facts SUBMISSION_TLS = new Requirement.Facts(true, true, true, null);
    private static final Requirement.Facts SUBMISSION_AUTHENTICATED = new Requirement.Facts(true, true, true, "alice@example.test");

    private static String refusal(SessionState state, Verb verb, Requirement.Facts facts) {
        Reply r = state.refuse(verb, facts);
        return r == null ? null : r.toString();
    }

    @Test
    void theConversationGoesInRfcOrder() {
        assertEquals("503 5.5.1 Error: send HELO/EHLO first", refusal(SessionState.CONNECTED, Verb.MAIL, MX));
        assertNull(refusal(SessionState.GREETED, Verb.MAIL, MX));
        assertEquals("503 5.5.1 Error: need MAIL command", refusal(SessionState.GREETED, Verb.RCPT, MX));
        assertEquals("503 5.5.1 Error: nested MAIL command", refusal(SessionState.MAIL, Verb.MAIL, MX));
        assertEquals("503 5.5.1 Error: need RCPT command", refusal(SessionState.GREETED, Verb.DATA, MX));
        assertNull(refusal(SessionState.MAIL, Verb.DATA, MX), "DATA with no recipient is the handler's 554");
        assertEquals("503 5.5.1 Error: only BDAT, RSET, NOOP or QUIT may follow BDAT",
                refusal(SessionState.BDAT, Verb.DATA, MX));
        for (SessionState s : SessionState.values()) {
            assertNull(refusal(s, Verb.QUIT, MX), s.name());
            assertNull(refusal(s, Verb.RSET, MX), s.name());
        }
    }

    @Test
    void submissionTakesMailOnlyFromAnAuthenticatedClient() {
        assertNull(refusal(SessionState.GREETED, Verb.MAIL, MX));
        assertEquals("530 5.7.0 Authentication required", refusal(SessionState.GREETED, Verb.MAIL, SUBMISSION_TLS));
        assertNull(refusal(SessionState.GREETED, Verb.MAIL, SUBMISSION_AUTHENTICATED));
    }

    @Test
    void authOnlyOnSubmissionInsideTlsAndOnce() {
        assertEquals("502 5.5.1 AUTH is not offered on this port", refusal(SessionState.GREETED, Verb.AUTH, MX));
        assertEquals("538 5.7.11 Encryption required for requested authentication mechanism",
                refusal(SessionState.GREETED, Verb.AUTH, SUBMISSION_CLEAR));
        assertNull(refusal(SessionState.GREETED, Verb.AUTH, SUBMISSION_TLS));
        assertEquals("503 5.5.1 Error: already authenticated",
                refusal(SessionState.GREETED, Verb.AUTH, SUBMISSION_AUTHENTICATED));
        assertEquals("503 5.5.1 Error: AUTH not allowed here", refusal(SessionState.MAIL, Verb.AUTH, SUBMISSION_TLS),
                "the place in the conversation is checked first");
    }

    @Test
    void starttlsOnlyWhereOfferedAndOnce() {
        assertNull(refusal(SessionState.GREETED, Verb.STARTTLS, MX));
        assertEquals("502 5.5.1 STARTTLS is not offered here",
                refusal(SessionState.GREETED, Verb.STARTTLS, new Requirement.Facts(false, false, false, null)));
        assertEquals("503 5.5.1 Error: TLS already active", refusal(SessionState.GREETED, Verb.STARTTLS, SUBMISSION_TLS));
        assertEquals("503 5.5.1 Error: STARTTLS not allowed here", refusal(SessionState.RCPT, Verb.STARTTLS, MX));
    }
}
