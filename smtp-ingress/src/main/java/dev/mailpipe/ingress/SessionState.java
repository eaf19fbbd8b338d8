package dev.mailpipe.ingress;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where an SMTP session stands, in the order RFC 5321 3.3 walks through it, and the one table that
 * says which command is legal where and what else it requires ({@link Requirement}: port, TLS,
 * authentication). A command outside its states gets the table's 503 reply; one whose requirement
 * is not met gets that requirement's reply. Handlers are left with their arguments.
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
    private static final Map<Verb, List<Requirement>> REQUIRES = new EnumMap<>(Verb.class);

    static {
        legal(Verb.EHLO, EnumSet.of(CONNECTED, GREETED, MAIL, RCPT), null);
        legal(Verb.HELO, EnumSet.of(CONNECTED, GREETED, MAIL, RCPT), null);
        legal(Verb.MAIL, EnumSet.of(GREETED), null, Requirement.AUTHENTICATED_ON_SUBMISSION);
        legal(Verb.RCPT, EnumSet.of(MAIL, RCPT), Reply.of(503, "5.5.1", "Error: need MAIL command"));
        legal(Verb.DATA, EnumSet.of(MAIL, RCPT), Reply.of(503, "5.5.1", "Error: need RCPT command"));
        legal(Verb.BDAT, EnumSet.of(MAIL, RCPT, BDAT), Reply.of(503, "5.5.1", "Error: need RCPT command"));
        legal(Verb.STARTTLS, EnumSet.of(GREETED), Reply.of(503, "5.5.1", "Error: STARTTLS not allowed here"),
                Requirement.TLS_OFFERED, Requirement.NOT_YET_IN_TLS);
        legal(Verb.AUTH, EnumSet.of(GREETED), Reply.of(503, "5.5.1", "Error: AUTH not allowed here"),
                Requirement.SUBMISSION_PORT, Requirement.NOT_YET_AUTHENTICATED, Requirement.INSIDE_TLS);
        for (Verb v : EnumSet.of(Verb.RSET, Verb.NOOP, Verb.QUIT, Verb.VRFY, Verb.EXPN, Verb.HELP)) {
            legal(v, ANY, null);
        }
    }

    private static void legal(Verb verb, Set<SessionState> states, Reply otherwise, Requirement... requires) {
        LEGAL.put(verb, states);
        REQUIRES.put(verb, List.of(requires));
        if (otherwise != null) {
            OUT_OF_SEQUENCE.put(verb, otherwise);
        }
    }

    /** Null when {@code verb} may be given in this state by this session, else the reply that refuses it. */
    Reply refuse(Verb verb, Requirement.Facts facts) {
        Reply outOfPlace = refuse(verb);
        if (outOfPlace != null) {
            return outOfPlace;
        }
        for (Requirement r : REQUIRES.get(verb)) {
            Reply unmet = r.refuse(facts);
            if (unmet != null) {
                return unmet;
            }
        }
        return null;
    }

    private Reply refuse(Verb verb) {
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
