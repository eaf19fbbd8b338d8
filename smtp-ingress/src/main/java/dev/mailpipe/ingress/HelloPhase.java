package dev.mailpipe.ingress;

import io.vertx.core.Future;

/**
 * The opening of the conversation (RFC 5321 3.1, 4.1.1.1): the connect hooks before the greeting,
 * and HELO or EHLO with the extensions offered (RFC 1869).
 */
final class HelloPhase {
    private final SessionContext context;
    private final Session session;
    private final Wire wire;

    HelloPhase(SessionContext context, Session session, Wire wire) {
        this.context = context;
        this.session = session;
        this.wire = wire;
    }

    /**
     * The connect hooks' verdict, before the greeting: {@code NEXT} to greet the client after the
     * pregreet wait, {@code ACCEPT} to greet it at once (a DNS allow list vouched for it), a refusal
     * to send it away (a 4xx, and the connection closes). A 5xx is postscreen's "enforce": the
     * client is greeted and each of its recipients refused with that reply, so that the log says
     * whom it wanted to reach; the answer is then {@code NEXT}.
     */
    Future<HookResult> connect() {
        if (context.hooks().connect().isEmpty()) {
            return HookResult.NEXT_NOW;
        }
        return context.hooks().connect().ask(h -> h.connect(session)).map(result -> {
            session.settled();
            if (result.refused() && result.reply().code() >= 500) {
                session.refusedRecipients = result.reply();
                return HookResult.NEXT;
            }
            return result;
        });
    }

    Reply greeting() {
        return Reply.plain(220, context.config().hostname() + " ESMTP mailpipe");
    }

    void hello(String arg, boolean extended) {
        String name = arg.trim();
        String verb = extended ? "EHLO" : "HELO";
        if (name.isEmpty() || name.contains(" ")) {
            wire.reply(Reply.of(501, "5.5.4", "Syntax: " + verb + " hostname"));
            return;
        }
        if (!HeloName.valid(name)) {
            // It would be written into Received and Authentication-Results: a domain or a literal only.
            wire.reply(Reply.of(501, "5.5.4", "Error: " + verb + " wants a domain name or an address literal (RFC 5321 4.1.1.1)"));
            return;
        }
        context.pipelining().atHello(session, wire);
        HookAnswer.then(context.hooks().helo().ask(h -> h.helo(session, name)), session, wire, true, result -> {
            if (result.refused()) {
                wire.reply(result.reply());
                return;
            }
            greeted(name, extended);
        });
    }

    private void greeted(String name, boolean extended) {
        session.helo = name;
        session.esmtp = extended;
        session.dropTransaction();
        session.state = SessionState.GREETED;
        IngressConfig config = context.config();
        if (!extended) {
            wire.reply(Reply.plain(250, config.hostname()));
            return;
        }
        wire.reply(Extensions.ehloReply(config.hostname(), name, config.maxMessageSize(),
                context.tlsAvailable() && !session.tls, session.submission() && session.tls && session.authenticated == null));
    }
}
