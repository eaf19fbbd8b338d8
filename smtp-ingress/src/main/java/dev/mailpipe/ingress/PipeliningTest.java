package dev.mailpipe.ingress;

import org.jboss.logging.Logger;

/**
 * postscreen's pipelining test (and smtpd's {@code reject_unauth_pipelining}): RFC 2920 lets a
 * client send commands ahead only once EHLO has told it PIPELINING is offered, and never past
 * EHLO or DATA. A client that did (spamware writes its whole conversation at once) is found by its
 * input already waiting when HELO/EHLO or DATA is handled. Off by default; relay networks skip it.
 */
final class PipeliningTest {
    private static final Logger LOG = Logger.getLogger(PipeliningTest.class);
    static final Reply RECIPIENTS_REFUSED = Reply.of(550, "5.5.1", "Protocol error");
    static final Reply DATA_REFUSED = Reply.of(503, "5.5.0", "Error: improper use of SMTP command pipelining");

    private final boolean enabled;
    private final IngressMetrics metrics;

    PipeliningTest(boolean enabled, IngressMetrics metrics) {
        this.enabled = enabled;
        this.metrics = metrics;
    }

    /** At HELO/EHLO: a client that sent ahead goes on, and each of its recipients is refused. */
    void atHello(Session session, Wire wire) {
        if (applies(session, wire)) {
            failed(session, "after HELO/EHLO");
            session.refusedRecipients = RECIPIENTS_REFUSED;
        }
    }

    /** At DATA: the reply in place of 354 when the client sent its message ahead, else null. */
    Reply atData(Session session, Wire wire) {
        if (!applies(session, wire)) {
            return null;
        }
        failed(session, "after DATA");
        return DATA_REFUSED;
    }

    private boolean applies(Session session, Wire wire) {
        return enabled && !session.relayClient() && !session.submission() && wire.sentAhead();
    }

    private void failed(Session session, String where) {
        LOG.infof("[%s] %s: improper command pipelining %s", session.sessionId(), session.clientIp(), where);
        metrics.doorRefused("pipelining");
    }
}
