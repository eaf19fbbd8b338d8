package dev.mailpipe.ingress;

import dev.mailpipe.scan.RspamdClient;
import dev.mailpipe.scan.RspamdVerdict;
import dev.mailpipe.scan.ScanRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.jboss.logging.Logger;

/**
 * rspamd at the end of data, over its HTTP protocol ({@link RspamdClient}), for mail from untrusted
 * clients (and authenticated submission when configured). Its verdict refuses the message, or tags
 * and passes it; rspamd's antivirus module makes this call a ClamAV scan too. When rspamd does not
 * answer in time the configured failure action applies.
 *
 * <p>In after-queue mode nothing is asked here: the message is marked for {@code mail.scan}, where
 * content-filter scans it after the {@code 250}.
 */
final class RspamdHook implements SessionHooks.Data {
    private static final Logger LOG = Logger.getLogger(RspamdHook.class);

    private final RspamdConfig config;
    private final IngressMetrics metrics;
    private final RspamdClient client;

    RspamdHook(Vertx vertx, RspamdConfig config, IngressMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
        this.client = config.mode() == RspamdConfig.Mode.AFTER_QUEUE ? null
                : new RspamdClient(vertx, config.url().orElseThrow(), config.timeout(), 32);
    }

    @Override
    public Future<HookResult> data(SessionView session, MailTransaction transaction, IncomingMessage message) {
        if (session.relayClient() || session.authenticated() != null && !config.scanSubmission()) {
            return HookResult.NEXT_NOW;
        }
        if (client == null) {
            message.scanAfterQueue();
            return HookResult.NEXT_NOW;
        }
        ScanRequest request = new ScanRequest(transaction.mailFrom, transaction.recipients.stream().map(r -> r.address()).toList(),
                session.clientIp(), session.helo(), transaction.id, session.authenticated());
        long started = System.nanoTime();
        return client.check(request, message.bytes()).transform(done -> {
            if (done.failed()) {
                return Future.succeededFuture(failed(session, transaction, message, String.valueOf(done.cause().getMessage())));
            }
            RspamdVerdict verdict = done.result();
            metrics.contentScanned(verdict.action(), System.nanoTime() - started);
            LOG.infof("[%s] %s %s", session.sessionId(), transaction.id, verdict.summary());
            return Future.succeededFuture(apply(verdict, message));
        });
    }

    /** The hook's answer; the header changes rspamd asked for are made on {@code message} when it goes on. */
    static HookResult apply(RspamdVerdict verdict, IncomingMessage message) {
        message.contentScan(verdict.summary(), verdict.junk() || message.junk());
        if (verdict.virusName() != null) {
            return HookResult.refuse(Reply.of(554, "5.7.1", "Message rejected: virus found: " + verdict.virusName()));
        }
        if (verdict.rejected()) {
            return HookResult.refuse(Reply.of(550, "5.7.1", verdict.replyText("Spam message rejected")));
        }
        if (verdict.deferred()) {
            return HookResult.refuse(Reply.of(451, "4.7.1", verdict.replyText("Try again later")));
        }
        message.replace(verdict.editHeader(message.bytes(), message.headLength()), message.headLength());
        message.addFieldsBelowTrace(verdict.fieldsToAdd());
        return HookResult.NEXT;
    }

    private HookResult failed(SessionView session, MailTransaction transaction, IncomingMessage message, String why) {
        metrics.contentScanned("failed", 0);
        LOG.warnf("[%s] rspamd did not scan %s: %s; %s", session.sessionId(), transaction.id, why,
                config.onFailure() == RspamdConfig.OnFailure.DEFER ? "deferred" : "queued unscanned");
        if (config.onFailure() == RspamdConfig.OnFailure.DEFER) {
            return HookResult.refuse(Reply.of(451, "4.7.1", "Error: content scanner unavailable, try again later"));
        }
        message.contentScan("unscanned: " + dev.mailpipe.model.PeerText.oneLine(why), message.junk());
        return HookResult.NEXT;
    }
}
