package dev.mailpipe.ingress;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Where an SMTP session stands, in the order RFC 5321 3.3 walks through it, and the one table that
 * says which command is legal where. A command outside its states gets the table's 503 reply.
 */
enum SessionState {
    /** Connected and greeted by us; the client has not said EHLO or HELO. */
    CONNECTED,
    /** EHLO or HELO done; no mail transaction open. */
    GREETED,
    /** MAIL FROM accepted; no recipient yet. */
    MAIL,
    /** At least one RCPT TO accepted: DATA or BDAT may follow. */
    RCPT,
    /** Between BDAT chunks: only more BDAT (or RSET, QUIT, NOOP) may follow. */
    BDAT;

    private static final Set<SessionState> ANY = EnumSet.allOf(SessionState.class);
    private static final Map<Verb, Set<SessionState>> LEGAL = new EnumMap<>(Verb.class);
    private static final Map<Verb, Reply> OUT_OF_SEQUENCE = new EnumMap<>(Verb.class);

    static {
        legal(Verb.EHLO, EnumSet.of(CONNECTED, GREETED, MAIL, RCPT), null);
        legal(Verb.HELO, EnumSet.of(CONNECTED, GREETED, MAIL, RCPT), null);
        legal(Verb.MAIL, EnumSet.of(GREETED), null);
        legal(Verb.RCPT, EnumSet.of(MAIL, RCPT), Reply.of(503, "5.5.1", "Error: need MAIL command"));
        legal(Verb.DATA, EnumSet.of(MAIL, RCPT), Reply.of(503, "5.5.1", "Error: need RCPT command"));
        legal(Verb.BDAT, EnumSet.of(MAIL, RCPT, BDAT), Reply.of(503, "5.5.1", "Error: need RCPT command"));
        legal(Verb.STARTTLS, EnumSet.of(GREETED), Reply.of(503, "5.5.1", "Error: STARTTLS not allowed here"));
        legal(Verb.AUTH, EnumSet.of(GREETED), Reply.of(503, "5.5.1", "Error: AUTH not allowed here"));
        for (Verb v : EnumSet.of(Verb.RSET, Verb.NOOP, Verb.QUIT, Verb.VRFY, Verb.EXPN, Verb.HELP)) {
            legal(v, ANY, null);
        }
    }

    private static void legal(Verb verb, Set<SessionState> states, Reply otherwise) {
        LEGAL.put(verb, states);
        if (otherwise != null) {
            OUT_OF_SEQUENCE.put(verb, otherwise);
        }
    }

    /** Null when {@code verb} may be given in this state, else the reply that refuses it. */
    Reply refuse(Verb verb) {
        if (LEGAL.get(verb).contains(this)) {
            return null;
        }
        if (this == CONNECTED) {
            return Reply.of(503, "5.5.1", "Error: send HELO/EHLO first");
        }
        if (this == BDAT) {
            return Reply.of(503, "5.5.1", "Error: only BDAT, RSET, NOOP or QUIT may follow BDAT");
        }
        if (verb == Verb.MAIL) {
            return Reply.of(503, "5.5.1", "Error: nested MAIL command");
        }
        return OUT_OF_SEQUENCE.getOrDefault(verb, Reply.of(503, "5.5.1", "Error: bad sequence of commands"));
    }
}
