package dev.mailpipe.ingress;

import dev.mailpipe.ingress.milter.MilterSession;
import dev.mailpipe.model.MailAddress;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A listener's milters as session hooks: at each recipient that passed this server's own checks
 * (the first one opens the conversations, {@link MilterRun}), and at the end of data, where their
 * changes are applied to the message before it is queued.
 */
final class MilterHook implements SessionHooks.Rcpt, SessionHooks.Data {
    private final Vertx vertx;
    private final List<MilterSpec> specs;
    private final Map<MilterSpec, NetClient> clients = new HashMap<>();
    private final String hostname;
    private final String daemonName;
    private final IngressMetrics metrics;
    private final long maxModifiedBytes;

    MilterHook(Vertx vertx, List<MilterSpec> specs, String hostname, String daemonName, IngressMetrics metrics, long maxMessageSize) {
        this.vertx = vertx;
        this.specs = List.copyOf(specs);
        this.hostname = hostname;
        this.daemonName = daemonName;
        this.metrics = metrics;
        // A replaced body as large as the largest message, and the fields beside it.
        this.maxModifiedBytes = maxMessageSize + 1024 * 1024;
        for (MilterSpec s : specs) {
            clients.put(s, vertx.createNetClient(new NetClientOptions()
                    .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, s.connectTimeout().toMillis()))));
        }
    }

    List<MilterSpec> specs() {
        return specs;
    }

    IngressMetrics metrics() {
        return metrics;
    }

    long maxModifiedBytes() {
        return maxModifiedBytes;
    }

    Future<MilterSession> open(MilterSpec spec) {
        return MilterSession.open(vertx, clients.get(spec), spec.address(), spec.commandTimeout(), spec.contentTimeout());
    }

    /** Postfix's default connect macros, with what this server knows of the client. */
    Map<String, String> connectMacros(SessionView session) {
        return Map.of("j", hostname, "{daemon_name}", daemonName, "v", "mailpipe", "{client_addr}", session.clientIp(),
                "{client_name}", "unknown", "_", "unknown [" + session.clientIp() + "]");
    }

    @Override
    public Future<HookResult> rcpt(SessionView session, MailTransaction transaction, MailAddress recipient) {
        if (transaction.milters == null) {
            transaction.milters = new MilterRun(this, session, transaction);
        }
        MilterRun run = transaction.milters;
        return run.opened().compose(v -> run.askRcpt(recipient.toString()));
    }

    @Override
    public Future<HookResult> data(SessionView session, MailTransaction transaction, IncomingMessage message) {
        if (transaction.milters != null) {
            MilterRun run = transaction.milters;
            return run.opened().compose(v -> run.content(message));
        }
        // Recipients an earlier hook accepted outright (a trusted client, a policy server's OK) did
        // not reach the milters at RCPT, as a Postfix restriction's OK does not spare its milters:
        // they hear them now, and a refusal of any refuses the message.
        MilterRun run = new MilterRun(this, session, transaction);
        transaction.milters = run;
        Future<HookResult> f = run.opened().map(HookResult.NEXT);
        for (dev.mailpipe.model.Recipient recipient : transaction.recipients) {
            f = f.compose(r -> r.refused() ? Future.succeededFuture(r) : run.askRcpt(recipient.address()));
        }
        return f.compose(r -> r.refused() ? Future.succeededFuture(r) : run.content(message));
    }
}
