package dev.mailpipe.ingress;

/** RFC 3207 STARTTLS: after 220 the handshake, then the client starts over with EHLO. */
final class StartTlsPhase {
    private final SessionContext context;
    private final Session session;
    private final Wire wire;

    StartTlsPhase(SessionContext context, Session session, Wire wire) {
        this.context = context;
        this.session = session;
        this.wire = wire;
    }

    /** Whatever the client sent after STARTTLS in clear is dropped (the connection does that). */
    void starttls(String arg) {
        if (!arg.isBlank()) {
            wire.reply(Reply.of(501, "5.5.4", "Syntax: STARTTLS"));
            return;
        }
        wire.await(); // the handshake below waits too, and resumes when it is done
        HookAnswer.then(context.hooks().startTls().ask(h -> h.startTls(session)), session, wire, false, result -> {
            if (result.refused()) {
                wire.reply(result.reply());
                wire.resume();
                return;
            }
            wire.write(Reply.of(220, "2.0.0", "Ready to start TLS"));
            wire.startTls(session::startOver);
        });
    }
}
