package dev.mailpipe.ingress;

import io.vertx.core.Future;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * One SMTP conversation, read as RFC 5321 3.3 tells it: greeting, EHLO, MAIL, RCPT..., DATA (or
 * BDAT), and again. Which command is legal when is {@link SessionState}'s table; each phase has a
 * class of its own ({@link HelloPhase}, {@link EnvelopePhase}, {@link MessagePhase},
 * {@link AuthPhase}, {@link StartTlsPhase}), and policy plugs into each phase's hooks
 * ({@link SessionHooks}).
 *
 * <p>Commands are handled strictly one after the other, replies written in order by the
 * {@link Wire} underneath, so PIPELINING (RFC 2920) needs nothing special: while a hook or the
 * broker is awaited, later input waits unread.
 */
final class SmtpSession {
    private static final Reply LINE_TOO_LONG = Reply.of(500, "5.5.2", "Error: line too long");

    /** The command table: what each verb does once {@link SessionState} has found it legal. */
    private static final Map<Verb, BiConsumer<SmtpSession, String>> HANDLERS = new EnumMap<>(Verb.class);

    static {
        HANDLERS.put(Verb.EHLO, (s, arg) -> s.hello.hello(arg, true));
        HANDLERS.put(Verb.HELO, (s, arg) -> s.hello.hello(arg, false));
        HANDLERS.put(Verb.MAIL, (s, arg) -> s.envelope.mail(arg));
        HANDLERS.put(Verb.RCPT, (s, arg) -> s.envelope.rcpt(arg));
        HANDLERS.put(Verb.DATA, (s, arg) -> s.message.data(arg));
        HANDLERS.put(Verb.BDAT, (s, arg) -> s.message.bdat(arg));
        HANDLERS.put(Verb.STARTTLS, (s, arg) -> s.startTls.starttls(arg));
        HANDLERS.put(Verb.AUTH, (s, arg) -> s.auth.auth(arg));
        HANDLERS.put(Verb.RSET, SmtpSession::rset);
        HANDLERS.put(Verb.NOOP, (s, arg) -> s.wire.reply(Reply.of(250, "2.0.0", "Ok")));
        HANDLERS.put(Verb.QUIT, (s, arg) -> s.wire.reply(Reply.of(221, "2.0.0", "Bye")));
        HANDLERS.put(Verb.VRFY, SmtpSession::vrfy);
        HANDLERS.put(Verb.EXPN, (s, arg) -> s.wire.reply(Reply.of(502, "5.5.1", "EXPN is not available")));
        HANDLERS.put(Verb.HELP, (s, arg) -> s.wire.reply(Reply.of(214, "2.0.0",
                "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY STARTTLS AUTH; see RFC 5321")));
    }

    private final SessionContext context;
    private final Wire wire;
    private final Session session;
    private final HelloPhase hello;
    private final EnvelopePhase envelope;
    private final MessagePhase message;
    private final AuthPhase auth;
    private final StartTlsPhase startTls;

    SmtpSession(SessionContext context, Wire wire, String sessionId, String clientIp) {
        this.context = context;
        this.wire = wire;
        this.session = new Session(sessionId, clientIp, context.recipients().inRelayNetworks(clientIp), context.submission());
        this.hello = new HelloPhase(context, session, wire);
        this.envelope = new EnvelopePhase(context, session, wire);
        this.message = new MessagePhase(context, session, wire);
        this.auth = new AuthPhase(context, session, wire);
        this.startTls = new StartTlsPhase(context, session, wire);
    }

    boolean relayClient() {
        return session.relayClient();
    }

    /** The connect hooks' verdict ({@link HelloPhase#connect()}). */
    Future<HookResult> connect() {
        return hello.connect();
    }

    Reply greeting() {
        return hello.greeting();
    }

    // ---- the input, one complete event at a time, from the connection ---------------------------

    void command(SmtpInput.CommandLine line) {
        if (auth.inExchange()) {
            auth.response(line);
            return;
        }
        if (line.tooLong()) {
            wire.reply(LINE_TOO_LONG);
            return;
        }
        String text = line.text();
        int space = text.indexOf(' ');
        String word = space < 0 ? text : text.substring(0, space);
        String arg = space < 0 ? "" : text.substring(space + 1);
        Verb verb = Verb.of(word);
        context.metrics().command(verb);
        if (verb == null) {
            wire.reply(Reply.of(500, "5.5.2", text.isBlank() ? "Error: bad syntax" : "Error: command not recognized"));
            return;
        }
        Reply refusal = session.state.refuse(verb, session.facts(context.tlsAvailable()));
        if (refusal != null) {
            if (verb == Verb.BDAT && message.discardChunk(arg, refusal)) {
                return;
            }
            wire.reply(refusal);
            return;
        }
        HANDLERS.get(verb).accept(this, arg);
    }

    void endOfData(SmtpInput.Message data) {
        message.endOfData(data);
    }

    void endOfChunk(SmtpInput.Chunk chunk) {
        message.endOfChunk(chunk);
    }

    /** The connection has closed: hooks still at work for a message nobody will be told about stop. */
    void connectionClosed() {
        session.closed();
    }

    // ---- the commands that belong to no phase --------------------------------------------------

    private void rset(String arg) {
        if (!arg.isBlank()) {
            wire.reply(Reply.of(501, "5.5.4", "Syntax: RSET"));
            return;
        }
        session.endTransaction(wire);
        wire.reply(Reply.of(250, "2.0.0", "Ok"));
    }

    private void vrfy(String arg) {
        if (arg.isBlank()) {
            wire.reply(Reply.of(501, "5.5.4", "Syntax: VRFY address"));
            return;
        }
        // RFC 5321 3.5.3: 252 neither confirms nor denies, so mailboxes cannot be harvested.
        wire.reply(Reply.of(252, "2.5.2", "Cannot VRFY user, but will accept message and attempt delivery"));
    }
}
