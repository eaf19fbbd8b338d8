package dev.mailpipe.ingress;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Postfix's anvil: per client address (per /64 for IPv6), how many connections, messages,
 * recipients and TLS handshakes it began in the current time unit, each with its own limit and
 * reply. Relay networks are exempt ({@code smtpd_client_event_limit_exceptions}). Counts are this
 * ingress's own: with several replicas a client spread over them gets up to that many times the
 * limits (a load balancer with client-address affinity keeps one client on one replica).
 */
final class ClientRates implements SessionHooks.Connect, SessionHooks.Mail, SessionHooks.Rcpt, SessionHooks.StartTls {
    private static final Logger LOG = Logger.getLogger(ClientRates.class);
    private static final int TRACKED = 200_000;

    private enum Event { CONNECTION, MESSAGE, RECIPIENT, TLS }

    /** One client's counts in its current unit; a new unit starts them again. */
    private static final class Counts {
        long unitStart;
        final int[] counts = new int[Event.values().length];

        synchronized int add(Event e, long now, long unit) {
            if (now - unitStart >= unit) {
                unitStart = now;
                java.util.Arrays.fill(counts, 0);
            }
            return ++counts[e.ordinal()];
        }
    }

    private final DoorConfig config;
    private final String hostname;
    private final IngressMetrics metrics;
    private final long unitNanos;
    private final Cache<String, Counts> clients;

    ClientRates(DoorConfig config, String hostname, IngressMetrics metrics) {
        this.config = config;
        this.hostname = hostname;
        this.metrics = metrics;
        Duration unit = config.rateTimeUnit();
        this.unitNanos = unit.toNanos();
        this.clients = Caffeine.newBuilder().maximumSize(TRACKED).expireAfterAccess(unit.multipliedBy(2)).build();
    }

    boolean enabled() {
        return config.connectionRate() > 0 || config.messageRate() > 0 || config.recipientRate() > 0 || config.tlsRate() > 0;
    }

    @Override
    public Future<HookResult> connect(SessionView session) {
        return over(session, Event.CONNECTION, config.connectionRate())
                ? refused(session, "connection-rate", Reply.of(421, "4.7.0", hostname + " Error: too many connections from "
                        + session.clientIp()))
                : HookResult.NEXT_NOW;
    }

    @Override
    public Future<HookResult> mail(SessionView session, String sender, EsmtpParameters.Mail parameters) {
        return over(session, Event.MESSAGE, config.messageRate())
                ? refused(session, "message-rate", Reply.of(450, "4.7.1", "Error: too much mail from " + session.clientIp()))
                : HookResult.NEXT_NOW;
    }

    @Override
    public Future<HookResult> rcpt(SessionView session, MailTransaction transaction, dev.mailpipe.model.MailAddress recipient) {
        return over(session, Event.RECIPIENT, config.recipientRate())
                ? refused(session, "recipient-rate", Reply.of(452, "4.5.3", "Error: too many recipients from "
                        + session.clientIp()))
                : HookResult.NEXT_NOW;
    }

    @Override
    public Future<HookResult> startTls(SessionView session) {
        return over(session, Event.TLS, config.tlsRate())
                ? refused(session, "tls-rate", Reply.of(421, "4.7.0", hostname + " Error: too many new TLS sessions from "
                        + session.clientIp()))
                : HookResult.NEXT_NOW;
    }

    private boolean over(SessionView session, Event event, int limit) {
        if (limit <= 0 || session.relayClient()) {
            return false;
        }
        Counts counts = clients.get(ClientKey.of(session.clientIp()), k -> new Counts());
        return counts.add(event, System.nanoTime(), unitNanos) > limit;
    }

    private Future<HookResult> refused(SessionView session, String test, Reply reply) {
        LOG.infof("[%s] %s: %s limit passed (%s)", session.sessionId(), session.clientIp(), test, reply);
        metrics.doorRefused(test);
        return HookResult.refuseNow(reply);
    }
}
