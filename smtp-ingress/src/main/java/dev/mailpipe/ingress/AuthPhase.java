package dev.mailpipe.ingress;

import java.util.Locale;

/**
 * RFC 4954 AUTH, PLAIN or LOGIN, on the submission port and only inside TLS (the table in
 * {@link SessionState} says so): the SASL exchange, then the password check off the event loop,
 * with a guesser made to wait for each refusal and locked out past its failures.
 */
final class AuthPhase {
    /** RFC 4954 6: the address is past its failed attempts, whether found at AUTH or at the password check. */
    private static final Reply TOO_MANY_AUTH_FAILURES = Reply.of(454, "4.7.0",
            "Too many failed authentication attempts; try again later");
    private static final Reply LINE_TOO_LONG = Reply.of(500, "5.5.2", "Error: line too long");

    private final SessionContext context;
    private final Session session;
    private final Wire wire;
    /** The SASL exchange under way: the client's next lines are its responses, not commands. */
    private SaslExchange sasl;

    AuthPhase(SessionContext context, Session session, Wire wire) {
        this.context = context;
        this.session = session;
        this.wire = wire;
    }

    /** Whether the client's next line belongs to a SASL exchange. */
    boolean inExchange() {
        return sasl != null;
    }

    void auth(String arg) {
        if (arg.isBlank()) {
            wire.reply(Reply.of(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]"));
            return;
        }
        if (!context.authenticator().mayTry(session.sessionId(), session.clientIp())) {
            wire.reply(TOO_MANY_AUTH_FAILURES);
            return;
        }
        step(SaslExchange.start(arg, x -> sasl = x));
    }

    /** A response line of the exchange under way. */
    void response(SmtpInput.CommandLine line) {
        step(line.tooLong() ? new SaslExchange.Failed(LINE_TOO_LONG) : sasl.next(line.text()));
    }

    private void step(SaslExchange.Step step) {
        if (step instanceof SaslExchange.Challenge c) {
            wire.write(Reply.plain(334, c.challenge()));
            return;
        }
        sasl = null;
        if (step instanceof SaslExchange.Failed f) {
            wire.reply(f.reply());
            return;
        }
        SaslExchange.Credentials creds = (SaslExchange.Credentials) step;
        wire.await();
        String user = creds.username().toLowerCase(Locale.ROOT);
        context.authenticator().verify(session.sessionId(), session.clientIp(), user, creds.password()).onComplete(r -> {
            if (r.succeeded() && r.result() instanceof Authenticator.Accepted) {
                session.authenticated = user;
                answer(Reply.of(235, "2.7.0", "Authentication successful"));
                return;
            }
            if (r.succeeded() && r.result() instanceof Authenticator.LockedOut) {
                answer(TOO_MANY_AUTH_FAILURES);
                return;
            }
            // A guesser waits for each refusal; the connection reads nothing meanwhile.
            long delay = r.result() instanceof Authenticator.Refused refused ? refused.delay().toMillis() : 0;
            Reply invalid = Reply.of(535, "5.7.8", "Authentication credentials invalid");
            if (delay > 0) {
                context.vertx().setTimer(delay, t -> answer(invalid));
            } else {
                answer(invalid);
            }
        });
    }

    private void answer(Reply reply) {
        wire.reply(reply);
        wire.resume();
    }
}
