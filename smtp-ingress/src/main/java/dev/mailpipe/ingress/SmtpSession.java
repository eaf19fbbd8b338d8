package dev.mailpipe.ingress;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.MailAddress;
import dev.mailpipe.model.MessageHeaders;
import dev.mailpipe.model.PeerText;
import dev.mailpipe.model.Recipient;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import org.jboss.logging.Logger;

/**
 * One SMTP conversation, read as RFC 5321 3.3 tells it: greeting, EHLO, MAIL, RCPT..., DATA (or BDAT),
 * and again. Which command is legal when is {@link SessionState}'s table; what each does is the
 * handler of its verb below, in the order a client uses them.
 *
 * <p>Commands are handled strictly one after the other, replies written in order by the
 * {@link ClientConnection} underneath, so PIPELINING (RFC 2920) needs nothing special: while
 * end-of-data waits for Kafka, later input waits unread.
 */
final class SmtpSession {
    private static final Logger LOG = Logger.getLogger(SmtpSession.class);
    private static final int BDAT_MAX_DIGITS = 18;
    /** RFC 4954 6: the address is past its failed attempts, whether found at AUTH or at the password check. */
    private static final Reply TOO_MANY_AUTH_FAILURES = Reply.of(454, "4.7.0",
            "Too many failed authentication attempts; try again later");

    private final SessionContext context;
    private final IngressConfig config;
    private final ClientConnection connection;
    private final SmtpInput input;
    private final String sessionId;
    private final String clientIp;
    /** Whether the client's address is in the relay networks (fixed for the session; the pregreet asks too). */
    private final boolean relayClient;
    private final boolean submission;
    /** The command table: what each verb does once {@link SessionState} has found it legal. */
    private static final Map<Verb, BiConsumer<SmtpSession, String>> HANDLERS = new EnumMap<>(Verb.class);

    static {
        HANDLERS.put(Verb.EHLO, (s, arg) -> s.hello(arg, true));
        HANDLERS.put(Verb.HELO, (s, arg) -> s.hello(arg, false));
        HANDLERS.put(Verb.MAIL, SmtpSession::mail);
        HANDLERS.put(Verb.RCPT, SmtpSession::rcpt);
        HANDLERS.put(Verb.DATA, SmtpSession::data);
        HANDLERS.put(Verb.BDAT, SmtpSession::bdat);
        HANDLERS.put(Verb.RSET, SmtpSession::rset);
        HANDLERS.put(Verb.NOOP, (s, arg) -> s.reply(Reply.of(250, "2.0.0", "Ok")));
        HANDLERS.put(Verb.QUIT, (s, arg) -> s.reply(Reply.of(221, "2.0.0", "Bye")));
        HANDLERS.put(Verb.VRFY, SmtpSession::vrfy);
        HANDLERS.put(Verb.EXPN, (s, arg) -> s.reply(Reply.of(502, "5.5.1", "EXPN is not available")));
        HANDLERS.put(Verb.HELP, (s, arg) -> s.reply(Reply.of(214, "2.0.0",
                "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY STARTTLS AUTH; see RFC 5321")));
        HANDLERS.put(Verb.STARTTLS, SmtpSession::starttls);
        HANDLERS.put(Verb.AUTH, SmtpSession::auth);
    }

    private SessionState state = SessionState.CONNECTED;
    private String helo = "";
    private boolean esmtp;
    private MailTransaction tx;
    private boolean tls;
    private String authenticated;
    private SaslExchange sasl;
    /** The sender checks of the message at end of data, while they run: called off if the client leaves. */
    private SenderChecks.Checking pendingChecks;

    SmtpSession(SessionContext context, ClientConnection connection) {
        this.context = context;
        this.config = context.config();
        this.connection = connection;
        this.input = connection.input();
        this.sessionId = connection.sessionId();
        this.clientIp = connection.clientIp();
        this.relayClient = context.recipients().inRelayNetworks(clientIp);
        this.submission = context.submission();
    }

    boolean relayClient() {
        return relayClient;
    }

    void command(SmtpInput.CommandLine line) {
        if (sasl != null) {
            authStep(line.tooLong() ? new SaslExchange.Failed(Reply.of(500, "5.5.2", "Error: line too long"))
                    : sasl.next(line.text()));
            return;
        }
        if (line.tooLong()) {
            reply(Reply.of(500, "5.5.2", "Error: line too long"));
            return;
        }
        String text = line.text();
        int space = text.indexOf(' ');
        String word = space < 0 ? text : text.substring(0, space);
        String arg = space < 0 ? "" : text.substring(space + 1);
        Verb verb = Verb.of(word);
        context.metrics().command(verb);
        if (verb == null) {
            reply(Reply.of(500, "5.5.2", text.isBlank() ? "Error: bad syntax" : "Error: command not recognized"));
            return;
        }
        Reply refusal = state.refuse(verb, new Requirement.Facts(submission, context.tlsAvailable(), tls, authenticated));
        if (refusal != null) {
            if (verb == Verb.BDAT && discardChunk(arg, refusal)) {
                return;
            }
            reply(refusal);
            return;
        }
        HANDLERS.get(verb).accept(this, arg);
    }

    // ---- the conversation, RFC 5321 4.1.1 -----------------------------------------------------

    private void hello(String arg, boolean extended) {
        String name = arg.trim();
        if (name.isEmpty() || name.contains(" ")) {
            reply(Reply.of(501, "5.5.4", "Syntax: " + (extended ? "EHLO" : "HELO") + " hostname"));
            return;
        }
        if (!HeloName.valid(name)) {
            // It would be written into Received and Authentication-Results: a domain or a literal only.
            reply(Reply.of(501, "5.5.4", "Error: " + (extended ? "EHLO" : "HELO")
                    + " wants a domain name or an address literal (RFC 5321 4.1.1.1)"));
            return;
        }
        helo = name;
        esmtp = extended;
        tx = null;
        state = SessionState.GREETED;
        if (!extended) {
            reply(Reply.plain(250, config.hostname()));
            return;
        }
        reply(Extensions.ehloReply(config.hostname(), name, config.maxMessageSize(), context.tlsAvailable() && !tls,
                submission && tls && authenticated == null));
    }

    private void mail(String arg) {
        PathArgument path;
        try {
            path = PathArgument.parse(arg, "FROM");
        } catch (PathArgument.SyntaxException e) {
            reply(Reply.of(501, "5.5.4", "Syntax error: " + e.getMessage()));
            return;
        }
        EsmtpParameters.Mail parameters;
        try {
            parameters = EsmtpParameters.mail(path.params(), config.maxMessageSize());
        } catch (EsmtpParameters.Refused e) {
            reply(e.reply());
            return;
        }
        if (!path.path().isEmpty()) {
            try {
                MailAddress.parse(path.path(), parameters.smtpUtf8());
            } catch (MailAddress.InvalidAddressException e) {
                reply(nonAscii(path.path()) && !parameters.smtpUtf8()
                        ? Reply.of(553, "5.6.7", "Sender address needs SMTPUTF8")
                        : Reply.of(501, "5.1.7", "Bad sender address syntax: " + e.getMessage()));
                return;
            }
        }
        if (authenticated != null) {
            Reply notOwned = context.senderLogin().mailFrom(authenticated, path.path(), parameters.smtpUtf8());
            if (notOwned != null) {
                LOG.infof("[%s] %s: sender <%s> refused to login %s", sessionId, clientIp, PeerText.forLog(path.path()),
                        authenticated);
                reply(notOwned);
                return;
            }
        }
        // Last, so that a MAIL refused for another reason holds no memory.
        long declared = parameters.declaredSize();
        if (declared > 0 && !connection.reserveMessageMemory(declared)) {
            // RFC 1870 6.1: 452 when the size is fine but there is no room for it now. A declared
            // size is taken whole here, so that concurrent messages either have all their room
            // or are told at once, never all starved halfway through their data.
            reply(Reply.of(452, "4.3.1", "Error: insufficient system storage for a message of " + declared
                    + " octets, try again later"));
            return;
        }
        tx = new MailTransaction(path.path(), parameters);
        state = SessionState.MAIL;
        reply(Reply.of(250, "2.1.0", "Ok"));
    }

    private void rcpt(String arg) {
        PathArgument path;
        try {
            path = PathArgument.parse(arg, "TO");
        } catch (PathArgument.SyntaxException e) {
            reply(Reply.of(501, "5.5.4", "Syntax error: " + e.getMessage()));
            return;
        }
        EsmtpParameters.Rcpt parameters;
        try {
            parameters = EsmtpParameters.rcpt(path.params());
        } catch (EsmtpParameters.Refused e) {
            reply(e.reply());
            return;
        }
        if (tx.recipients.size() >= config.maxRecipients()) {
            // The client retries these later; only a flood past the overshoot limit is an error.
            boolean counts = ++tx.excessRecipients > config.recipientOvershootLimit();
            reply(Reply.of(452, "4.5.3", "Error: too many recipients"), counts);
            return;
        }
        String target = path.path();
        if (target.equalsIgnoreCase("postmaster")) {
            // RFC 5321 4.5.1: the bare Postmaster must always be accepted.
            target = "postmaster@" + context.primaryDomain().get();
        }
        MailAddress address;
        try {
            address = MailAddress.parse(target, tx.smtpUtf8());
        } catch (MailAddress.InvalidAddressException e) {
            reply(nonAscii(target) && !tx.smtpUtf8()
                    ? Reply.of(553, "5.6.7", "Recipient address needs SMTPUTF8")
                    : Reply.of(501, "5.1.3", "Bad recipient address syntax: " + e.getMessage()));
            return;
        }
        Reply verdict = context.recipients().check(address, relayClient, authenticated != null);
        if (verdict != null) {
            reply(verdict);
            return;
        }
        tx.recipients.add(Recipient.of(address.toString(), parameters.orcpt(), parameters.notifications()));
        state = SessionState.RCPT;
        reply(Reply.of(250, "2.1.5", "Ok"));
    }

    private void data(String arg) {
        if (!arg.isBlank()) {
            reply(Reply.of(501, "5.5.4", "Syntax: DATA"));
            return;
        }
        if (tx.recipients.isEmpty()) {
            reply(Reply.of(554, "5.5.1", "Error: no valid recipients"));
            return;
        }
        input.startData(config.maxMessageSize(), startMessage());
        write(Reply.of(354, null, "End data with <CR><LF>.<CR><LF>"));
    }

    void endOfData(SmtpInput.Message message) {
        Reply refused = message.violation().reply(config);
        if (refused != null) {
            endTransaction();
            reply(refused);
            return;
        }
        accept(message.data());
    }

    /** RFC 3030: {@code BDAT <size> [LAST]}; the chunk's octets follow the command line at once. */
    private void bdat(String arg) {
        String[] parts = arg.trim().split(" +");
        if (!validBdat(parts)) {
            reply(Reply.of(501, "5.5.4", "Syntax: BDAT size [LAST]"));
            return;
        }
        if (tx.recipients.isEmpty()) {
            discardChunk(arg, Reply.of(554, "5.5.1", "Error: no valid recipients"));
            return;
        }
        if (tx.chunks == null) {
            tx.chunks = startMessage();
        }
        tx.lastChunk = parts.length == 2;
        state = SessionState.BDAT;
        input.startChunk(Long.parseLong(parts[0]), tx.chunks, tx.chunkedSize, config.maxMessageSize());
    }

    /** A BDAT that is refused still announces octets that must be read past before replying. */
    private boolean discardChunk(String arg, Reply refusal) {
        String[] parts = arg.trim().split(" +");
        if (!validBdat(parts)) {
            return false;
        }
        if (tx == null) {
            tx = MailTransaction.none();
        }
        tx.afterDiscardedChunk = refusal;
        input.startChunk(Long.parseLong(parts[0]), new MessageBytes(new byte[0], 0), 1, 0);
        return true;
    }

    void endOfChunk(SmtpInput.Chunk chunk) {
        if (tx.afterDiscardedChunk != null) {
            Reply r = tx.afterDiscardedChunk;
            tx.afterDiscardedChunk = null;
            if (tx.mailFrom == null) {
                tx = null;
            }
            reply(r);
            return;
        }
        tx.chunkedSize = input.size();
        if (!tx.lastChunk) {
            reply(Reply.of(250, "2.0.0", "Ok: " + tx.chunkedSize + " octets so far"));
            return;
        }
        Reply refused = chunk.violation().reply(config);
        if (refused != null) {
            endTransaction();
            reply(refused);
            return;
        }
        accept(tx.chunks);
    }

    /** RFC 3207: after 220, TLS starts; whatever the client sent after STARTTLS in clear is dropped. */
    private void starttls(String arg) {
        if (!arg.isBlank()) {
            reply(Reply.of(501, "5.5.4", "Syntax: STARTTLS"));
            return;
        }
        write(Reply.of(220, "2.0.0", "Ready to start TLS"));
        connection.startTls(() -> {
            tls = true;
            // RFC 3207 4.2: the client starts over, with EHLO, and nothing from before counts.
            state = SessionState.CONNECTED;
            tx = null;
            helo = "";
        });
    }

    /** RFC 4954: AUTH PLAIN or LOGIN, on the submission port, only inside TLS. */
    private void auth(String arg) {
        if (arg.isBlank()) {
            reply(Reply.of(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]"));
            return;
        }
        if (!context.authenticator().mayTry(sessionId, clientIp)) {
            reply(TOO_MANY_AUTH_FAILURES);
            return;
        }
        authStep(SaslExchange.start(arg, x -> sasl = x));
    }

    private void authStep(SaslExchange.Step step) {
        if (step instanceof SaslExchange.Challenge c) {
            write(Reply.plain(334, c.challenge()));
            return;
        }
        sasl = null;
        if (step instanceof SaslExchange.Failed f) {
            reply(f.reply());
            return;
        }
        SaslExchange.Credentials creds = (SaslExchange.Credentials) step;
        connection.await();
        String user = creds.username().toLowerCase(Locale.ROOT);
        context.authenticator().verify(sessionId, clientIp, user, creds.password()).onComplete(r -> {
            if (r.succeeded() && r.result() instanceof Authenticator.Accepted) {
                authenticated = user;
                reply(Reply.of(235, "2.7.0", "Authentication successful"));
                connection.resume();
                return;
            }
            if (r.succeeded() && r.result() instanceof Authenticator.LockedOut) {
                reply(TOO_MANY_AUTH_FAILURES);
                connection.resume();
                return;
            }
            // A guesser waits for each refusal; the connection reads nothing meanwhile.
            long delay = r.result() instanceof Authenticator.Refused refused ? refused.delay().toMillis() : 0;
            Runnable refuse = () -> {
                reply(Reply.of(535, "5.7.8", "Authentication credentials invalid"));
                connection.resume();
            };
            if (delay > 0) {
                context.vertx().setTimer(delay, t -> refuse.run());
            } else {
                refuse.run();
            }
        });
    }

    private void rset(String arg) {
        if (!arg.isBlank()) {
            reply(Reply.of(501, "5.5.4", "Syntax: RSET"));
            return;
        }
        endTransaction();
        reply(Reply.of(250, "2.0.0", "Ok"));
    }

    private void vrfy(String arg) {
        if (arg.isBlank()) {
            reply(Reply.of(501, "5.5.4", "Syntax: VRFY address"));
            return;
        }
        // RFC 5321 3.5.3: 252 neither confirms nor denies, so mailboxes cannot be harvested.
        reply(Reply.of(252, "2.5.2", "Cannot VRFY user, but will accept message and attempt delivery"));
    }

    // ---- end of data: into Kafka before 250 ---------------------------------------------------

    /**
     * The message's text begins (DATA, or the first BDAT): its queue id, its arrival and this
     * server's trace header are fixed now, and the header is the first thing in the one array the
     * text is read into (RFC 5321 4.4; Postfix, too, writes its Received field when DATA begins).
     */
    private MessageBytes startMessage() {
        MailTransaction t = tx;
        t.id = MessageIds.next();
        t.receivedAt = ZonedDateTime.now(ZoneOffset.UTC);
        String received = ReceivedHeader.build(helo, clientIp, config.hostname(), esmtp, tls, authenticated != null,
                t.smtpUtf8(), t.id, t.recipients.size() == 1 ? t.recipients.get(0).address() : null, t.receivedAt);
        return new MessageBytes(received.getBytes(java.nio.charset.StandardCharsets.UTF_8), t.parameters.declaredSize());
    }

    private void accept(MessageBytes data) {
        MailTransaction t = tx;
        String id = t.id;
        byte[] stored = data.array();
        t.chunks = null; // no second reference to the text while it waits for Kafka
        // RFC 6409 8: Date and Message-ID, when a submitting client left them out, below the trace header.
        byte[] missing = submission ? SubmissionHeaders.missing(stored, id, config.hostname(), t.receivedAt)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8) : new byte[0];
        byte[] message = missing.length == 0 ? stored : inserted(stored, data.prefixLength(), missing);
        int headLength = data.prefixLength() + missing.length;

        if (MessageHeaders.moreFieldsThan(message, headLength, config.maxHeaderFields())) {
            // Everything after would parse them, the sender checks three times over.
            endTransaction();
            reply(Reply.of(552, "5.6.0", "Error: more than " + config.maxHeaderFields() + " header fields"));
            return;
        }
        if (authenticated != null) {
            Reply forged = context.senderLogin().fromField(authenticated, message);
            if (forged != null) {
                LOG.infof("[%s] %s: message refused to login %s: %s", sessionId, clientIp, authenticated, forged);
                endTransaction();
                reply(forged);
                return;
            }
        }
        boolean trusted = context.recipients().trusted(relayClient, authenticated != null);
        connection.await();
        if (context.senderChecks() == null || trusted) {
            queue(t, id, message, trusted, null);
            return;
        }
        // SPF, DKIM and DMARC wait on DNS: the checks' own threads, not this event loop.
        SenderChecks.Checking checking = context.senderChecks().submit(context.vertx(), clientIp, helo, t.mailFrom, message);
        pendingChecks = checking;
        checking.verdict()
                .onComplete(done -> connection.onEventLoop(() -> {
                    pendingChecks = null;
                    if (done.failed() && done.cause() instanceof java.util.concurrent.CancellationException) {
                        return; // the client went away: nobody to answer, nothing to queue
                    }
                    if (done.failed()) {
                        // A bug or a library's surprise must not lose the message: queue it unchecked.
                        LOG.warnf(done.cause(), "[%s] sender checks failed for %s; queued without them", sessionId, id);
                        queue(t, id, message, false, null);
                    } else if (done.result().refusal() != null) {
                        LOG.infof("[%s] refused message from <%s>, client %s: %s (%s)", sessionId, t.mailFrom, clientIp,
                                done.result().refusal(), done.result().summary());
                        endTransaction();
                        reply(done.result().refusal());
                        connection.resume();
                    } else {
                        queue(t, id, done.result().message(), false, done.result().summary());
                    }
                }));
    }

    /** {@code message} with {@code fields} put in at {@code at}: the one copy a submission without Date or Message-ID costs. */
    private static byte[] inserted(byte[] message, int at, byte[] fields) {
        byte[] with = new byte[message.length + fields.length];
        System.arraycopy(message, 0, with, 0, at);
        System.arraycopy(fields, 0, with, at, fields.length);
        System.arraycopy(message, at, with, at + fields.length, message.length - at);
        return with;
    }

    /** Into Kafka; the 250 (or 451) when the broker has answered. */
    private void queue(MailTransaction t, String id, byte[] message, boolean trusted, String senderAuth) {
        Envelope envelope = t.envelope(id, Instant.now(), new Envelope.Client(clientIp, helo, tls, authenticated),
                message.length);
        envelope = trusted ? envelope.withTrustedOrigin() : envelope;
        Envelope published = senderAuth == null ? envelope : envelope.withSenderAuthentication(senderAuth);
        long started = System.nanoTime();
        context.publisher().publish(published, message, failure -> connection.onEventLoop(
                () -> published(published, System.nanoTime() - started, failure)));
    }

    /**
     * The broker's answer, which the producer gives exactly once and within the publish timeout
     * (its delivery timeout), acknowledged or not.
     */
    private void published(Envelope envelope, long nanos, Throwable failure) {
        endTransaction();
        if (failure != null) {
            LOG.warnf("[%s] message %s from <%s> not queued, answered 451: %s", sessionId, envelope.id(),
                    envelope.mailFrom(), failure.toString());
            reply(Reply.of(451, "4.3.0", "Error: queue unavailable, try again later"));
        } else {
            context.metrics().accepted(envelope.size(), nanos);
            // Once per message: plain concatenation, since infof's java.util.Formatter costs more
            // than the rest of the line's work together.
            LOG.info("[" + sessionId + "] queued " + envelope.id() + " from <" + envelope.mailFrom() + "> to "
                    + envelope.recipients().size() + " recipient(s), " + envelope.size() + " octets, client " + clientIp);
            reply(Reply.of(250, "2.0.0", "Ok: queued as " + envelope.id()));
        }
        connection.resume();
    }

    // ---- plumbing ------------------------------------------------------------------------------

    /** The connection has closed: checks still running for a message nobody will be told about stop. */
    void connectionClosed() {
        if (pendingChecks != null) {
            pendingChecks.cancel().run();
            pendingChecks = null;
        }
    }

    private void endTransaction() {
        tx = null;
        connection.messageReleased();
        if (state != SessionState.CONNECTED) {
            state = SessionState.GREETED;
        }
    }

    private void reply(Reply reply) {
        connection.reply(reply);
    }

    private void reply(Reply reply, boolean countsAsError) {
        connection.reply(reply, countsAsError);
    }

    private void write(Reply reply) {
        connection.write(reply);
    }

    private static boolean validBdat(String[] parts) {
        return (parts.length == 1 || parts.length == 2 && parts[1].equalsIgnoreCase("LAST"))
                && parts[0].matches("[0-9]{1," + BDAT_MAX_DIGITS + "}");
    }

    private static boolean nonAscii(String s) {
        return s.chars().anyMatch(c -> c > 127);
    }
}
