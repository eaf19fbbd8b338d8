package dev.mailpipe.ingress;

import dev.mailpipe.model.MailAddress;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * The ordered hooks of a listener's sessions, one chain per phase of RFC 5321's conversation
 * (Haraka's and James's shape): at connect (before the greeting), at HELO/EHLO, at STARTTLS, at MAIL, at each
 * RCPT and at the end of data. The recipient policy, the sender's login, the sender checks and the
 * submission trace fields are hooks; so are the door's tests and the content filters.
 *
 * <p>Hooks read the session through {@link SessionView}; only a data hook changes anything, and
 * only the message it is given.
 */
record SessionHooks(HookChain<Connect> connect, HookChain<Helo> helo, HookChain<StartTls> startTls,
        HookChain<Mail> mail, HookChain<Rcpt> rcpt, HookChain<Data> data) {

    /** Before the greeting: refusing here answers the connection with the reply and closes it. */
    interface Connect {
        Future<HookResult> connect(SessionView session);
    }

    /** A syntactically valid HELO or EHLO name. */
    interface Helo {
        Future<HookResult> helo(SessionView session, String name);
    }

    /** STARTTLS, before its 220: a refusal with 421 closes the connection instead of the handshake. */
    interface StartTls {
        Future<HookResult> startTls(SessionView session);
    }

    /** A well-formed MAIL FROM, before the transaction opens; {@code sender} is {@code ""} for {@code <>}. */
    interface Mail {
        Future<HookResult> mail(SessionView session, String sender, EsmtpParameters.Mail parameters);
    }

    /** A well-formed RCPT TO within the recipient limit; {@code transaction} holds the recipients accepted so far. */
    interface Rcpt {
        Future<HookResult> rcpt(SessionView session, MailTransaction transaction, MailAddress recipient);
    }

    /** The whole message, read within its limits, before it is queued. */
    interface Data {
        Future<HookResult> data(SessionView session, MailTransaction transaction, IncomingMessage message);
    }

    static Builder builder() {
        return new Builder();
    }

    /** Hooks in the order they are added, per phase. */
    static final class Builder {
        private final List<Connect> connect = new ArrayList<>();
        private final List<Helo> helo = new ArrayList<>();
        private final List<StartTls> startTls = new ArrayList<>();
        private final List<Mail> mail = new ArrayList<>();
        private final List<Rcpt> rcpt = new ArrayList<>();
        private final List<Data> data = new ArrayList<>();

        Builder connect(Connect hook) {
            connect.add(hook);
            return this;
        }

        Builder helo(Helo hook) {
            helo.add(hook);
            return this;
        }

        Builder startTls(StartTls hook) {
            startTls.add(hook);
            return this;
        }

        Builder mail(Mail hook) {
            mail.add(hook);
            return this;
        }

        Builder rcpt(Rcpt hook) {
            rcpt.add(hook);
            return this;
        }

        Builder data(Data hook) {
            data.add(hook);
            return this;
        }

        SessionHooks build() {
            return new SessionHooks(HookChain.of(connect), HookChain.of(helo), HookChain.of(startTls), HookChain.of(mail), HookChain.of(rcpt),
                    HookChain.of(data));
        }
    }
}
