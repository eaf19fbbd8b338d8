package dev.mailpipe.ingress;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.MessageHeaders;
import dev.mailpipe.model.Topics;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * The end of data: the message's limits, the data hooks (the sender's login, the submission trace
 * fields, SPF/DKIM/DMARC, and what comes after them), then into Kafka, and {@code 250} only once
 * the broker has acknowledged it (or {@code 451} if it did not).
 */
final class MessageAcceptance {
    private static final Logger LOG = Logger.getLogger(MessageAcceptance.class);

    private final SessionContext context;
    private final IngressConfig config;
    private final Session session;
    private final Wire wire;

    MessageAcceptance(SessionContext context, Session session, Wire wire) {
        this.context = context;
        this.config = context.config();
        this.session = session;
        this.wire = wire;
    }

    void accept(MessageBytes data) {
        MailTransaction t = session.tx;
        t.chunks = null; // no second reference to the text while it waits for Kafka
        IncomingMessage message = new IncomingMessage(data.array(), data.prefixLength());
        if (MessageHeaders.moreFieldsThan(message.bytes(), message.headLength(), config.maxHeaderFields())) {
            // Everything after would parse them, the sender checks three times over.
            session.endTransaction(wire);
            wire.reply(Reply.of(552, "5.6.0", "Error: more than " + config.maxHeaderFields() + " header fields"));
            return;
        }
        wire.await();
        HookAnswer.then(context.hooks().data().ask(h -> h.data(session, t, message)), session, wire, false, result -> {
            if (result.refused()) {
                LOG.infof("[%s] refused message from <%s>, client %s: %s%s", session.sessionId(), t.mailFrom,
                        session.clientIp(), result.reply(), message.senderAuthentication() == null ? ""
                                : " (" + message.senderAuthentication() + ")");
                session.endTransaction(wire);
                wire.reply(result.reply());
                wire.resume();
                return;
            }
            if (t.discarded) {
                // A policy server's or milter's DISCARD: the client is told it was taken, nothing is queued.
                LOG.infof("[%s] discarded message %s from <%s>, client %s, as a policy server or milter asked", session.sessionId(),
                        t.id, t.mailFrom, session.clientIp());
                session.endTransaction(wire);
                wire.reply(Reply.of(250, "2.0.0", "Ok: queued as " + t.id));
                wire.resume();
                return;
            }
            queue(t, message);
        });
    }

    /** Into Kafka; the 250 (or 451) when the broker has answered. */
    private void queue(MailTransaction t, IncomingMessage message) {
        byte[] text = message.bytes();
        Envelope envelope = t.envelope(t.id, Instant.now(),
                new Envelope.Client(session.clientIp(), session.helo, session.tls, session.authenticated), text.length);
        envelope = session.trusted() ? envelope.withTrustedOrigin() : envelope;
        Envelope checked = message.senderAuthentication() == null ? envelope
                : envelope.withSenderAuthentication(message.senderAuthentication());
        Envelope published = message.contentScan() != null ? checked.withContentScan(message.contentScan(), message.junk())
                : message.junk() ? checked.withJunk() : checked;
        long started = System.nanoTime();
        String topic = message.scansAfterQueue() ? Topics.SCAN : Topics.INBOUND;
        context.publisher().publish(topic, published, text, failure -> wire.onEventLoop(
                () -> published(published, System.nanoTime() - started, failure)));
    }

    /**
     * The broker's answer, which the producer gives exactly once and within the publish timeout
     * (its delivery timeout), acknowledged or not.
     */
    private void published(Envelope envelope, long nanos, Throwable failure) {
        session.endTransaction(wire);
        String sessionId = session.sessionId();
        if (failure != null) {
            LOG.warnf("[%s] message %s from <%s> not queued, answered 451: %s", sessionId, envelope.id(),
                    envelope.mailFrom(), failure.toString());
            wire.reply(Reply.of(451, "4.3.0", "Error: queue unavailable, try again later"));
        } else {
            context.metrics().accepted(envelope.size(), nanos);
            // Once per message: plain concatenation, since infof's java.util.Formatter costs more
            // than the rest of the line's work together.
            LOG.info("[" + sessionId + "] queued " + envelope.id() + " from <" + envelope.mailFrom() + "> to "
                    + envelope.recipients().size() + " recipient(s), " + envelope.size() + " octets, client "
                    + session.clientIp());
            wire.reply(Reply.of(250, "2.0.0", "Ok: queued as " + envelope.id()));
        }
        wire.resume();
    }
}
