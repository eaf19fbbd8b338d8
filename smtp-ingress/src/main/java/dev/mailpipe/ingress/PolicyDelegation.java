package dev.mailpipe.ingress;

import dev.mailpipe.model.MailAddress;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Postfix's {@code check_policy_service} as hooks: each recipient of an untrusted client is put
 * to the policy server (postgrey for greylisting, policyd-spf, a rate-limit daemon: any Postfix
 * policy server, unchanged), and optionally the message at its end; the answer is read by
 * {@link PolicyAction}. A server that cannot be reached or does not answer in time gets the
 * default action. The header fields it asked to PREPEND are added at the end of data.
 */
final class PolicyDelegation implements SessionHooks.Rcpt, SessionHooks.Data {
    private static final Logger LOG = Logger.getLogger(PolicyDelegation.class);

    private final PolicyClient client;
    private final DoorConfig.Policy config;
    private final IngressMetrics metrics;
    private final AtomicLong instances = new AtomicLong();

    PolicyDelegation(Vertx vertx, DoorConfig.Policy config, IngressMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
        this.client = new PolicyClient(vertx, config.service().orElseThrow(), config.timeout(), config.idleConnections());
    }

    @Override
    public Future<HookResult> rcpt(SessionView session, MailTransaction transaction, MailAddress recipient) {
        if (session.trusted()) {
            return HookResult.NEXT_NOW; // permit_mynetworks, permit_sasl_authenticated come first in Postfix too
        }
        return ask(session, transaction, "RCPT", recipient.toString(), "<" + recipient + ">");
    }

    @Override
    public Future<HookResult> data(SessionView session, MailTransaction transaction, IncomingMessage message) {
        if (!transaction.prepended.isEmpty()) {
            StringBuilder fields = new StringBuilder();
            for (String field : transaction.prepended) {
                fields.append(field).append("\r\n");
            }
            message.addFieldsBelowTrace(fields.toString().getBytes(StandardCharsets.UTF_8));
        }
        if (!config.atEndOfData() || session.trusted()) {
            return HookResult.NEXT_NOW;
        }
        return ask(session, transaction, "END-OF-MESSAGE", "", null);
    }

    private Future<HookResult> ask(SessionView session, MailTransaction transaction, String state, String recipient,
            String what) {
        return client.ask(request(session, transaction, state, recipient)).transform(done -> {
            HookResult result;
            if (done.failed()) {
                LOG.warnf("[%s] policy server: %s; default action %s", session.sessionId(), done.cause().getMessage(),
                        config.defaultAction());
                // Postfix's own reply, not the server's: no "Recipient address rejected" in front.
                result = PolicyAction.interpret(config.defaultAction(), null, transaction, session.sessionId());
            } else {
                String action = done.result().get("action");
                result = PolicyAction.interpret(action == null ? "" : action, what, transaction, session.sessionId());
            }
            if (result.refused()) {
                LOG.infof("[%s] %s: policy server refused %s from <%s>: %s", session.sessionId(), session.clientIp(),
                        what == null ? "the message" : what, transaction.mailFrom, result.reply());
                metrics.doorRefused("policy");
            }
            return Future.succeededFuture(result);
        });
    }

    /** SMTPD_POLICY_README's attributes, those mailpipe knows. */
    private Map<String, String> request(SessionView session, MailTransaction t, String state, String recipient) {
        if (t.policyInstance == null) {
            t.policyInstance = session.sessionId() + "." + Long.toString(instances.incrementAndGet(), 36);
        }
        Map<String, String> a = new LinkedHashMap<>();
        a.put("request", "smtpd_access_policy");
        a.put("protocol_state", state);
        a.put("protocol_name", session.esmtp() ? "ESMTP" : "SMTP");
        a.put("helo_name", session.helo());
        a.put("queue_id", t.id == null ? "" : t.id);
        a.put("sender", t.mailFrom == null ? "" : t.mailFrom);
        a.put("recipient", recipient);
        a.put("recipient_count", Integer.toString("RCPT".equals(state) ? 0 : t.recipients.size()));
        a.put("client_address", session.clientIp());
        a.put("client_name", "unknown");
        a.put("reverse_client_name", "unknown");
        a.put("instance", t.policyInstance);
        a.put("sasl_method", "");
        a.put("sasl_username", session.authenticated() == null ? "" : session.authenticated());
        a.put("sasl_sender", "");
        a.put("size", Long.toString(Math.max(0, t.parameters.declaredSize())));
        a.put("encryption_protocol", session.tls() ? "TLS" : "");
        return a;
    }
}
