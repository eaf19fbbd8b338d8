package dev.mailpipe.ingress;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.jboss.logging.Logger;

/**
 * The sender checks (SPF, DKIM, DMARC) as the data hook of the MX port, for mail from clients that
 * are not trusted: they wait on DNS, so they run on their own threads and the session waits. What
 * they find goes on top of the message (Authentication-Results) and into the envelope.
 */
final class SenderChecksHook implements SessionHooks.Data {
    private static final Logger LOG = Logger.getLogger(SenderChecksHook.class);

    private final Vertx vertx;
    private final SenderChecks checks;

    SenderChecksHook(Vertx vertx, SenderChecks checks) {
        this.vertx = vertx;
        this.checks = checks;
    }

    @Override
    public Future<HookResult> data(SessionView session, MailTransaction transaction, IncomingMessage message) {
        if (session.trusted()) {
            return HookResult.NEXT_NOW; // ours: signed on the way out, nothing to check
        }
        SenderChecks.Checking checking = checks.submit(vertx, session.clientIp(), session.helo(), transaction.mailFrom,
                message.bytes());
        session.cancelOnClose(checking.cancel());
        return checking.verdict().transform(done -> {
            if (done.failed()) {
                if (done.cause() instanceof java.util.concurrent.CancellationException) {
                    return Future.failedFuture(done.cause()); // the client went away
                }
                // A bug or a library's surprise must not lose the message: queue it unchecked.
                LOG.warnf(done.cause(), "[%s] sender checks failed for %s; queued without them", session.sessionId(),
                        transaction.id);
                return HookResult.NEXT_NOW;
            }
            SenderChecks.Verdict verdict = done.result();
            message.senderAuthentication(verdict.summary());
            if (verdict.refusal() != null) {
                return HookResult.refuseNow(verdict.refusal());
            }
            message.replace(verdict.message(), 0);
            message.senderAuthentication(verdict.summary());
            if (verdict.quarantined()) {
                message.markJunk(); // DMARC's p=quarantine: delivered, into the Junk folder
            }
            return HookResult.NEXT_NOW;
        });
    }
}
