package dev.mailpipe.ingress;

import dev.mailpipe.model.MailAddress;
import dev.mailpipe.model.Recipient;

/**
 * The envelope of a mail transaction (RFC 5321 4.1.1.2, 4.1.1.3): MAIL FROM and its parameters,
 * then RCPT TO for each recipient. Syntax and limits are checked here; what is allowed is the
 * hooks' to say (the sender's login at MAIL, the recipient policy at RCPT, then the door's).
 */
final class EnvelopePhase {
    private final SessionContext context;
    private final IngressConfig config;
    private final Session session;
    private final Wire wire;

    EnvelopePhase(SessionContext context, Session session, Wire wire) {
        this.context = context;
        this.config = context.config();
        this.session = session;
        this.wire = wire;
    }

    void mail(String arg) {
        PathArgument path;
        EsmtpParameters.Mail parameters;
        try {
            path = PathArgument.parse(arg, "FROM");
            parameters = EsmtpParameters.mail(path.params(), config.maxMessageSize());
        } catch (PathArgument.SyntaxException e) {
            wire.reply(Reply.of(501, "5.5.4", "Syntax error: " + e.getMessage()));
            return;
        } catch (EsmtpParameters.Refused e) {
            wire.reply(e.reply());
            return;
        }
        String sender = path.path();
        if (!sender.isEmpty()) {
            try {
                MailAddress.parse(sender, parameters.smtpUtf8());
            } catch (MailAddress.InvalidAddressException e) {
                wire.reply(nonAscii(sender) && !parameters.smtpUtf8()
                        ? Reply.of(553, "5.6.7", "Sender address needs SMTPUTF8")
                        : Reply.of(501, "5.1.7", "Bad sender address syntax: " + e.getMessage()));
                return;
            }
        }
        HookAnswer.then(context.hooks().mail().ask(h -> h.mail(session, sender, parameters)), session, wire, true, result -> {
            if (result.refused()) {
                wire.reply(result.reply());
                return;
            }
            open(sender, parameters);
        });
    }

    private void open(String sender, EsmtpParameters.Mail parameters) {
        // Last, so that a MAIL refused for another reason holds no memory.
        long declared = parameters.declaredSize();
        if (declared > 0 && !wire.reserveMessageMemory(declared)) {
            // RFC 1870 6.1: 452 when the size is fine but there is no room for it now. A declared
            // size is taken whole here, so that concurrent messages either have all their room
            // or are told at once, never all starved halfway through their data.
            wire.reply(Reply.of(452, "4.3.1", "Error: insufficient system storage for a message of " + declared
                    + " octets, try again later"));
            return;
        }
        session.tx = new MailTransaction(sender, parameters);
        session.state = SessionState.MAIL;
        wire.reply(Reply.of(250, "2.1.0", "Ok"));
    }

    void rcpt(String arg) {
        PathArgument path;
        EsmtpParameters.Rcpt parameters;
        try {
            path = PathArgument.parse(arg, "TO");
            parameters = EsmtpParameters.rcpt(path.params());
        } catch (PathArgument.SyntaxException e) {
            wire.reply(Reply.of(501, "5.5.4", "Syntax error: " + e.getMessage()));
            return;
        } catch (EsmtpParameters.Refused e) {
            wire.reply(e.reply());
            return;
        }
        MailTransaction tx = session.tx;
        if (tx.recipients.size() >= config.maxRecipients()) {
            // The client retries these later; only a flood past the overshoot limit is an error.
            boolean counts = ++tx.excessRecipients > config.recipientOvershootLimit();
            wire.reply(Reply.of(452, "4.5.3", "Error: too many recipients"), counts);
            return;
        }
        String target = path.path();
        if (target.equalsIgnoreCase("postmaster")) {
            // RFC 5321 4.5.1: the bare Postmaster must always be accepted.
            target = "postmaster@" + context.primaryDomain().get();
        }
        MailAddress address;
        try {
            address = MailAddress.parse(target, tx.smtpUtf8());
        } catch (MailAddress.InvalidAddressException e) {
            wire.reply(nonAscii(target) && !tx.smtpUtf8()
                    ? Reply.of(553, "5.6.7", "Recipient address needs SMTPUTF8")
                    : Reply.of(501, "5.1.3", "Bad recipient address syntax: " + e.getMessage()));
            return;
        }
        if (session.refusedRecipients != null) {
            wire.reply(session.refusedRecipients);
            return;
        }
        HookAnswer.then(context.hooks().rcpt().ask(h -> h.rcpt(session, tx, address)), session, wire, true, result -> {
            if (result.refused()) {
                wire.reply(result.reply());
                return;
            }
            tx.recipients.add(Recipient.of(address.toString(), parameters.orcpt(), parameters.notifications()));
            session.state = SessionState.RCPT;
            wire.reply(Reply.of(250, "2.1.5", "Ok"));
        });
    }

    static boolean nonAscii(String s) {
        return s.chars().anyMatch(c -> c > 127);
    }
}
