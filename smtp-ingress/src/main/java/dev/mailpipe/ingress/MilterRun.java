package dev.mailpipe.ingress;

import dev.mailpipe.ingress.milter.MilterSession;
import dev.mailpipe.ingress.milter.MilterVerdict;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The listener's milters in conversation about one transaction, asked in their order at each step
 * as Postfix asks them: the first refusal ends the step, a milter that accepted is asked nothing
 * more. Opened at the transaction's first recipient that passed this server's own checks, with
 * connect, HELO and MAIL replayed first; a refusal then answers every recipient. A milter that
 * fails (unreachable, silent past its timeout, breaking the protocol) gets its default action.
 */
final class MilterRun {
    private static final Logger LOG = Logger.getLogger(MilterRun.class);
    static final Reply REJECTED = Reply.of(550, "5.7.1", "Command rejected");
    static final Reply TEMPFAILED = Reply.of(451, "4.7.1", "Service unavailable - try again later");

    private static final class Milter {
        final MilterSpec spec;
        MilterSession session;
        boolean done;
        boolean contentSent;

        Milter(MilterSpec spec) {
            this.spec = spec;
        }
    }

    private final MilterHook hook;
    private final SessionView session;
    private final MailTransaction transaction;
    private final List<Milter> milters = new ArrayList<>();
    private Future<Void> opened;
    /** A refusal that answers the rest of the transaction (at connect, HELO or MAIL, or a default action). */
    private Reply refusal;
    private String quarantined;
    private boolean ended;

    MilterRun(MilterHook hook, SessionView session, MailTransaction transaction) {
        this.hook = hook;
        this.session = session;
        this.transaction = transaction;
        hook.specs().forEach(s -> milters.add(new Milter(s)));
    }

    /** Connects to each milter in turn and replays connect, HELO and MAIL to it. */
    Future<Void> opened() {
        if (opened == null) {
            Future<Void> f = Future.succeededFuture();
            for (Milter m : milters) {
                f = f.compose(v -> refusal != null ? Future.succeededFuture() : open(m));
            }
            opened = f;
        }
        return opened;
    }

    private Future<Void> open(Milter m) {
        return hook.open(m.spec).compose(s -> {
            if (ended) {
                s.quit();
                return Future.succeededFuture();
            }
            m.session = s;
            return ask(m, () -> s.connect(hook.connectMacros(session), "[" + session.clientIp() + "]", session.clientIp()))
                    .compose(go -> !go ? Future.succeededFuture(false) : ask(m, () -> s.helo(Map.of(), session.helo())))
                    .compose(go -> !go ? Future.succeededFuture(false)
                            : ask(m, () -> s.mail(mailMacros(), transaction.mailFrom)))
                    .map(go -> (Void) null);
        }, failure -> failed(m, failure));
    }

    /** One step to one milter; true when the conversation goes on with it. */
    private Future<Boolean> ask(Milter m, Supplier<Future<MilterVerdict>> step) {
        return step.get().map(v -> {
            switch (v.kind()) {
                case ACCEPT -> m.done = true;
                case DISCARD -> {
                    transaction.discarded = true;
                    m.done = true;
                }
                case REJECT, TEMPFAIL -> refusal = reply(m, v);
                default -> {
                }
            }
            return v.kind() == MilterVerdict.Kind.CONTINUE;
        }).recover(failure -> failed(m, failure).map(false));
    }

    private Future<Void> failed(Milter m, Throwable failure) {
        m.done = true;
        if (m.session != null) {
            m.session.quit();
        }
        MilterConfig.DefaultAction action = m.spec.defaultAction();
        LOG.warnf("[%s] milter %s failed: %s; default action %s", session.sessionId(), m.spec.address(),
                dev.mailpipe.model.PeerText.forLog(String.valueOf(failure.getMessage())), action.name().toLowerCase());
        hook.metrics().milterFailed(m.spec.address());
        switch (action) {
            case TEMPFAIL -> refusal = TEMPFAILED;
            case REJECT -> refusal = REJECTED;
            case QUARANTINE -> quarantined = "milter " + m.spec.address() + " unavailable";
            default -> {
            }
        }
        return Future.succeededFuture();
    }

    private Reply reply(Milter m, MilterVerdict v) {
        Reply r = MilterReplies.of(v);
        LOG.infof("[%s] milter %s refused: %s", session.sessionId(), m.spec.address(), r);
        return r;
    }

    private Map<String, String> mailMacros() {
        Map<String, String> macros = new HashMap<>();
        macros.put("{mail_addr}", transaction.mailFrom);
        if (session.authenticated() != null) {
            macros.put("{auth_authen}", session.authenticated());
            macros.put("{auth_type}", "PLAIN");
        }
        return macros;
    }

    /** Each milter still asking, in turn, about one recipient: the first refusal refuses it. */
    Future<HookResult> askRcpt(String recipient) {
        if (refusal != null) {
            return HookResult.refuseNow(refusal);
        }
        Future<Reply> f = Future.succeededFuture();
        for (Milter m : milters) {
            f = f.compose(refused -> refused != null || m.done || m.session == null ? Future.succeededFuture(refused)
                    : m.session.rcpt(Map.of("{rcpt_addr}", recipient), recipient).map(v -> switch (v.kind()) {
                        case REJECT, TEMPFAIL -> reply(m, v);
                        case DISCARD -> {
                            transaction.discarded = true;
                            yield null;
                        }
                        default -> null;
                    }).recover(failure -> failed(m, failure).map(v -> refusal)));
        }
        return f.map(refused -> refused != null ? HookResult.refuse(refused) : HookResult.NEXT);
    }

    /** The content to each milter still asking, in turn; each sees the message as the ones before left it. */
    Future<HookResult> content(IncomingMessage message) {
        if (refusal != null) {
            return HookResult.refuseNow(refusal);
        }
        Future<Reply> f = Future.succeededFuture();
        for (Milter m : milters) {
            f = f.compose(refused -> refused != null || m.done || m.session == null || transaction.discarded
                    ? Future.succeededFuture(refused) : content(m, message));
        }
        return f.map(refused -> {
            if (refused != null) {
                return HookResult.refuse(refused);
            }
            if (quarantined != null) {
                LOG.infof("[%s] %s quarantined (into Junk): %s", session.sessionId(), transaction.id, quarantined);
                message.markJunk();
            }
            return HookResult.NEXT;
        });
    }

    private Future<Reply> content(Milter m, IncomingMessage message) {
        MilterEdits edits = new MilterEdits(message);
        Map<String, String> macros = Map.of("i", transaction.id);
        m.contentSent = true;
        return m.session.content(macros, edits.headers(m.session.leadingSpace()), edits.body(), hook.maxModifiedBytes())
                .map(v -> {
                    switch (v.kind()) {
                        case REJECT, TEMPFAIL -> {
                            return reply(m, v);
                        }
                        case DISCARD -> transaction.discarded = true;
                        default -> {
                            if (!v.modifications().isEmpty()) {
                                edits.apply(v.modifications(), m.session.actions(), m.session.leadingSpace());
                                edits.writeTo(message);
                                LOG.infof("[%s] %s milter %s: %s", session.sessionId(), transaction.id, m.spec.address(),
                                        MilterEdits.describe(v.modifications()));
                            }
                            if (edits.quarantine() != null) {
                                quarantined = "milter " + m.spec.address() + ": " + edits.quarantine();
                            }
                        }
                    }
                    return (Reply) null;
                })
                .recover(failure -> failed(m, failure).map(v -> refusal));
    }

    /** The transaction is over: each milter's conversation is closed (aborted if it never saw the content). */
    void end() {
        ended = true;
        for (Milter m : milters) {
            if (m.session != null) {
                if (m.contentSent) {
                    m.session.quit();
                } else {
                    m.session.abort();
                }
                m.session = null;
            }
        }
    }
}
