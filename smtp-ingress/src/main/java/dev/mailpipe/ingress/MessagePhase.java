package dev.mailpipe.ingress;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * The message's text (RFC 5321 4.1.1.4 DATA, RFC 3030 BDAT): where it begins this server's trace
 * field is written, its octets are read within the limits, and at its end it goes to
 * {@link MessageAcceptance}.
 */
final class MessagePhase {
    private static final int BDAT_MAX_DIGITS = 18;

    private final IngressConfig config;
    private final Session session;
    private final Wire wire;
    private final MessageAcceptance acceptance;
    private final PipeliningTest pipelining;

    MessagePhase(SessionContext context, Session session, Wire wire) {
        this.config = context.config();
        this.session = session;
        this.wire = wire;
        this.acceptance = new MessageAcceptance(context, session, wire);
        this.pipelining = context.pipelining();
    }

    void data(String arg) {
        if (!arg.isBlank()) {
            wire.reply(Reply.of(501, "5.5.4", "Syntax: DATA"));
            return;
        }
        if (session.tx.recipients.isEmpty()) {
            wire.reply(Reply.of(554, "5.5.1", "Error: no valid recipients"));
            return;
        }
        Reply sentAhead = pipelining.atData(session, wire);
        if (sentAhead != null) {
            wire.reply(sentAhead); // what follows is read as commands, as Postfix does
            return;
        }
        wire.readMessage(config.maxMessageSize(), startMessage());
        wire.write(Reply.of(354, null, "End data with <CR><LF>.<CR><LF>"));
    }

    void endOfData(SmtpInput.Message message) {
        Reply refused = message.violation().reply(config);
        if (refused != null) {
            session.endTransaction(wire);
            wire.reply(refused);
            return;
        }
        acceptance.accept(message.data());
    }

    /** RFC 3030: {@code BDAT <size> [LAST]}; the chunk's octets follow the command line at once. */
    void bdat(String arg) {
        String[] parts = arg.trim().split(" +");
        if (!validBdat(parts)) {
            wire.reply(Reply.of(501, "5.5.4", "Syntax: BDAT size [LAST]"));
            return;
        }
        MailTransaction tx = session.tx;
        if (tx.recipients.isEmpty()) {
            discardChunk(arg, Reply.of(554, "5.5.1", "Error: no valid recipients"));
            return;
        }
        if (tx.chunks == null) {
            tx.chunks = startMessage();
        }
        tx.lastChunk = parts.length == 2;
        session.state = SessionState.BDAT;
        wire.readChunk(Long.parseLong(parts[0]), tx.chunks, tx.chunkedSize, config.maxMessageSize());
    }

    /** A BDAT that is refused still announces octets that must be read past before replying. */
    boolean discardChunk(String arg, Reply refusal) {
        String[] parts = arg.trim().split(" +");
        if (!validBdat(parts)) {
            return false;
        }
        if (session.tx == null) {
            session.tx = MailTransaction.none();
        }
        session.tx.afterDiscardedChunk = refusal;
        wire.readChunk(Long.parseLong(parts[0]), new MessageBytes(new byte[0], 0), 1, 0);
        return true;
    }

    void endOfChunk(SmtpInput.Chunk chunk) {
        MailTransaction tx = session.tx;
        if (tx.afterDiscardedChunk != null) {
            Reply r = tx.afterDiscardedChunk;
            tx.afterDiscardedChunk = null;
            if (tx.mailFrom == null) {
                session.dropTransaction();
            }
            wire.reply(r);
            return;
        }
        tx.chunkedSize = wire.messageSize();
        if (!tx.lastChunk) {
            wire.reply(Reply.of(250, "2.0.0", "Ok: " + tx.chunkedSize + " octets so far"));
            return;
        }
        Reply refused = chunk.violation().reply(config);
        if (refused != null) {
            session.endTransaction(wire);
            wire.reply(refused);
            return;
        }
        acceptance.accept(tx.chunks);
    }

    /**
     * The message's text begins (DATA, or the first BDAT): its queue id, its arrival and this
     * server's trace header are fixed now, and the header is the first thing in the one array the
     * text is read into (RFC 5321 4.4; Postfix, too, writes its Received field when DATA begins).
     */
    private MessageBytes startMessage() {
        MailTransaction t = session.tx;
        t.id = MessageIds.next();
        t.receivedAt = ZonedDateTime.now(ZoneOffset.UTC);
        String received = ReceivedHeader.build(session.helo, session.clientIp(), config.hostname(), session.esmtp,
                session.tls, session.authenticated != null, t.smtpUtf8(), t.id,
                t.recipients.size() == 1 ? t.recipients.get(0).address() : null, t.receivedAt);
        return new MessageBytes(received.getBytes(StandardCharsets.UTF_8), t.parameters.declaredSize());
    }

    private static boolean validBdat(String[] parts) {
        return (parts.length == 1 || parts.length == 2 && parts[1].equalsIgnoreCase("LAST"))
                && parts[0].matches("[0-9]{1," + BDAT_MAX_DIGITS + "}");
    }
}
