package dev.mailpipe.ingress;

import dev.mailpipe.ingress.SmtpInput.Violation;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.MailAddress;
import dev.mailpipe.model.Recipient;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import org.jboss.logging.Logger;

/**
 * One SMTP conversation, read as RFC 5321 3.3 tells it: greeting, EHLO, MAIL, RCPT..., DATA (or BDAT),
 * and again. Which command is legal when is {@link SessionState}'s table; what each does is the
 * handler of its verb below, in the order a client uses them.
 *
 * <p>Commands are handled strictly one after the other, replies written in order, so PIPELINING
 * (RFC 2920) needs nothing special: while end-of-data waits for Kafka, later input waits in
 * {@link SmtpInput}, and the socket is paused if the client floods it.
 */
final class SmtpSession {
    private static final Logger LOG = Logger.getLogger(SmtpSession.class);
    private static final int PAUSE_ABOVE = 1 << 20;
    private static final int BDAT_MAX_DIGITS = 18;

    private final SmtpIngress server;
    private final IngressConfig config;
    private final NetSocket socket;
    private final Context context;
    private final String sessionId;
    private final String clientIp;
    private final SmtpInput input;
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
    private boolean greeted;
    private boolean earlyTalker;
    private boolean busy;
    private boolean closed;
    private int errors;
    private final long startedAt = System.nanoTime();
    private long lastActivity = startedAt;
    private long timer = -1;

    private String helo = "";
    private boolean esmtp;
    private Transaction tx;
    private final boolean submission;
    private boolean tls;
    private String authenticated;
    private SaslExchange sasl;

    /** What one mail transaction (MAIL ... end of data) has gathered. */
    private static final class Transaction {
        String mailFrom;
        boolean smtputf8;
        String body;
        String ret;
        String envid;
        final List<Recipient> recipients = new ArrayList<>();
        int excessRecipients;
        Buffer chunks;
        long chunkedSize;
        boolean lastChunk;
        Reply afterDiscardedChunk;
    }

    SmtpSession(SmtpIngress server, NetSocket socket, Context context, String sessionId, boolean submission) {
        this.submission = submission;
        this.server = server;
        this.config = server.config();
        this.socket = socket;
        this.context = context;
        this.sessionId = sessionId;
        this.clientIp = socket.remoteAddress().hostAddress();
        this.input = new SmtpInput(config.maxCommandLine(), config.maxTextLine());
    }

    // ---- connection ---------------------------------------------------------------------------

    void start(Reply refusal) {
        socket.handler(this::received);
        socket.closeHandler(v -> closed());
        socket.exceptionHandler(e -> LOG.debugf("[%s] socket error: %s", sessionId, e.getMessage()));
        if (refusal != null) {
            LOG.infof("[%s] refused %s: %s", sessionId, clientIp, refusal);
            reply(refusal);
            return;
        }
        LOG.debugf("[%s] connect from %s", sessionId, clientIp);
        armTimer(Math.min(config.idleTimeout().toNanos(), config.sessionTimeout().toNanos()));
        long delay = config.greetingDelay().toMillis();
        if (delay > 0) {
            server.vertx().setTimer(delay, t -> greet());
        } else {
            greet();
        }
    }

    private void greet() {
        if (closed) {
            return;
        }
        if (earlyTalker) {
            LOG.infof("[%s] early talker %s refused", sessionId, clientIp);
            reply(Reply.of(554, "5.5.1", "Error: talked before the greeting; SMTP protocol synchronization"));
            close();
            return;
        }
        greeted = true;
        write(Reply.plain(220, config.hostname() + " ESMTP mailpipe"));
        pump();
    }

    private void received(Buffer data) {
        lastActivity = System.nanoTime();
        if (!greeted) {
            earlyTalker = true;
            return;
        }
        input.append(data);
        pump();
    }

    private void pump() {
        while (!busy && !closed) {
            SmtpInput.Event event = input.next();
            if (event == null) {
                break;
            }
            if (event instanceof SmtpInput.CommandLine line) {
                command(line);
            } else if (event instanceof SmtpInput.Message message) {
                endOfData(message);
            } else if (event instanceof SmtpInput.Chunk chunk) {
                endOfChunk(chunk);
            }
        }
        if (!closed) {
            if (input.buffered() > PAUSE_ABOVE) {
                socket.pause();
            } else {
                socket.resume();
            }
        }
    }

    private void command(SmtpInput.CommandLine line) {
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
        server.metrics().command(verb);
        if (verb == null) {
            reply(Reply.of(500, "5.5.2", text.isBlank() ? "Error: bad syntax" : "Error: command not recognized"));
            return;
        }
        Reply refusal = state.refuse(verb);
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
        helo = name;
        esmtp = extended;
        tx = null;
        state = SessionState.GREETED;
        if (!extended) {
            reply(Reply.plain(250, config.hostname()));
            return;
        }
        List<String> lines = new ArrayList<>();
        lines.add(config.hostname() + " greets " + name);
        lines.add("PIPELINING");
        lines.add("SIZE " + config.maxMessageSize());
        lines.add("8BITMIME");
        lines.add("SMTPUTF8");
        lines.add("ENHANCEDSTATUSCODES");
        lines.add("CHUNKING");
        lines.add("DSN");
        if (server.tlsAvailable() && !tls) {
            lines.add("STARTTLS");
        }
        if (submission && tls && authenticated == null) {
            lines.add("AUTH PLAIN LOGIN");
        }
        reply(new Reply(250, null, lines));
    }

    private void mail(String arg) {
        if (submission && authenticated == null) {
            reply(Reply.of(530, "5.7.0", "Authentication required"));
            return;
        }
        PathArgument path;
        try {
            path = PathArgument.parse(arg, "FROM");
        } catch (PathArgument.SyntaxException e) {
            reply(Reply.of(501, "5.5.4", "Syntax error: " + e.getMessage()));
            return;
        }
        Transaction t = new Transaction();
        for (var p : path.params().entrySet()) {
            Reply bad = mailParameter(t, p.getKey(), p.getValue());
            if (bad != null) {
                reply(bad);
                return;
            }
        }
        if (!path.path().isEmpty()) {
            try {
                MailAddress.parse(path.path(), t.smtputf8);
            } catch (MailAddress.InvalidAddressException e) {
                reply(nonAscii(path.path()) && !t.smtputf8
                        ? Reply.of(553, "5.6.7", "Sender address needs SMTPUTF8")
                        : Reply.of(501, "5.1.7", "Bad sender address syntax: " + e.getMessage()));
                return;
            }
        }
        t.mailFrom = path.path();
        tx = t;
        state = SessionState.MAIL;
        reply(Reply.of(250, "2.1.0", "Ok"));
    }

    private Reply mailParameter(Transaction t, String key, String value) {
        switch (key) {
            case "SIZE" -> {
                if (value == null || !value.matches("[0-9]{1,20}")) {
                    return Reply.of(501, "5.5.4", "Bad SIZE parameter");
                }
                if (value.length() > 18 || Long.parseLong(value) > config.maxMessageSize()) {
                    return Reply.of(552, "5.3.4", "Message size exceeds fixed limit");
                }
            }
            case "BODY" -> {
                String v = value == null ? "" : value.toUpperCase(Locale.ROOT);
                if (!v.equals("7BIT") && !v.equals("8BITMIME")) {
                    return Reply.of(501, "5.5.4", "Unsupported BODY type");
                }
                t.body = v;
            }
            case "SMTPUTF8" -> {
                if (value != null) {
                    return Reply.of(501, "5.5.4", "SMTPUTF8 takes no value");
                }
                t.smtputf8 = true;
            }
            case "RET" -> {
                String v = value == null ? "" : value.toUpperCase(Locale.ROOT);
                if (!v.equals("FULL") && !v.equals("HDRS")) {
                    return Reply.of(501, "5.5.4", "Bad RET parameter");
                }
                t.ret = v;
            }
            case "ENVID" -> {
                if (value == null || value.isEmpty() || value.length() > 100 || !isXtext(value)) {
                    return Reply.of(501, "5.5.4", "Bad ENVID parameter");
                }
                t.envid = value;
            }
            case "AUTH" -> {
                // RFC 4954 5: accepted from anyone, trusted from no one here.
            }
            default -> {
                return Reply.of(555, "5.5.4", "Unsupported option: " + key);
            }
        }
        return null;
    }

    private void rcpt(String arg) {
        PathArgument path;
        try {
            path = PathArgument.parse(arg, "TO");
        } catch (PathArgument.SyntaxException e) {
            reply(Reply.of(501, "5.5.4", "Syntax error: " + e.getMessage()));
            return;
        }
        String notify = null;
        String orcpt = null;
        for (var p : path.params().entrySet()) {
            switch (p.getKey()) {
                case "NOTIFY" -> {
                    notify = p.getValue() == null ? "" : p.getValue().toUpperCase(Locale.ROOT);
                    if (!validNotify(notify)) {
                        reply(Reply.of(501, "5.5.4", "Bad NOTIFY parameter"));
                        return;
                    }
                }
                case "ORCPT" -> {
                    orcpt = p.getValue();
                    if (orcpt == null || !orcpt.matches("(?i)[a-z0-9-]+;.+") || !isXtext(orcpt.substring(orcpt.indexOf(';') + 1))) {
                        reply(Reply.of(501, "5.5.4", "Bad ORCPT parameter"));
                        return;
                    }
                }
                default -> {
                    reply(Reply.of(555, "5.5.4", "Unsupported option: " + p.getKey()));
                    return;
                }
            }
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
            target = "postmaster@" + server.mailboxes().primaryDomain();
        }
        MailAddress address;
        try {
            address = MailAddress.parse(target, tx.smtputf8);
        } catch (MailAddress.InvalidAddressException e) {
            reply(nonAscii(target) && !tx.smtputf8
                    ? Reply.of(553, "5.6.7", "Recipient address needs SMTPUTF8")
                    : Reply.of(501, "5.1.3", "Bad recipient address syntax: " + e.getMessage()));
            return;
        }
        Reply verdict = server.recipientPolicy().check(address, clientIp, authenticated != null);
        if (verdict != null) {
            reply(verdict);
            return;
        }
        tx.recipients.add(Recipient.of(address.toString(), orcpt, notify));
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
        input.startData(config.maxMessageSize());
        write(Reply.of(354, null, "End data with <CR><LF>.<CR><LF>"));
    }

    private void endOfData(SmtpInput.Message message) {
        Reply refused = violationReply(message.violation());
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
            tx.chunks = Buffer.buffer();
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
            tx = new Transaction();
        }
        tx.afterDiscardedChunk = refusal;
        input.startChunk(Long.parseLong(parts[0]), Buffer.buffer(), 1, 0);
        return true;
    }

    private void endOfChunk(SmtpInput.Chunk chunk) {
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
        Reply refused = violationReply(chunk.violation());
        if (refused != null) {
            endTransaction();
            reply(refused);
            return;
        }
        accept(tx.chunks);
    }

    /** RFC 3207: after 220, TLS starts; whatever the client sent after STARTTLS in clear is dropped. */
    private void starttls(String arg) {
        if (!server.tlsAvailable()) {
            reply(Reply.of(502, "5.5.1", "STARTTLS is not offered here"));
            return;
        }
        if (tls) {
            reply(Reply.of(503, "5.5.1", "Error: TLS already active"));
            return;
        }
        if (!arg.isBlank()) {
            reply(Reply.of(501, "5.5.4", "Syntax: STARTTLS"));
            return;
        }
        write(Reply.of(220, "2.0.0", "Ready to start TLS"));
        // The CVE-2011-0411 class: commands pipelined after STARTTLS must not run inside TLS.
        input.discardBuffered();
        busy = true;
        socket.upgradeToSsl().onComplete(r -> {
            busy = false;
            if (r.failed()) {
                LOG.infof("[%s] TLS handshake with %s failed: %s", sessionId, clientIp, r.cause().getMessage());
                close();
                return;
            }
            tls = true;
            // RFC 3207 4.2: the client starts over, with EHLO, and nothing from before counts.
            state = SessionState.CONNECTED;
            tx = null;
            helo = "";
            input.discardBuffered();
            pump();
        });
    }

    /** RFC 4954: AUTH PLAIN or LOGIN, on the submission port, only inside TLS. */
    private void auth(String arg) {
        if (!submission) {
            reply(Reply.of(502, "5.5.1", "AUTH is not offered on this port"));
            return;
        }
        if (authenticated != null) {
            reply(Reply.of(503, "5.5.1", "Error: already authenticated"));
            return;
        }
        if (!tls) {
            reply(Reply.of(538, "5.7.11", "Encryption required for requested authentication mechanism"));
            return;
        }
        if (arg.isBlank()) {
            reply(Reply.of(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]"));
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
        busy = true;
        String user = creds.username().toLowerCase(Locale.ROOT);
        // PBKDF2 is deliberately slow: never on the event loop.
        server.vertx().<Boolean>executeBlocking(() -> server.mailboxes().mailbox(user)
                        .map(m -> dev.mailpipe.model.PasswordHash.verify(creds.password(), m.passwordHash())).orElse(false))
                .onComplete(r -> {
                    java.util.Arrays.fill(creds.password(), '\0');
                    busy = false;
                    if (r.succeeded() && r.result()) {
                        authenticated = user;
                        LOG.infof("[%s] %s authenticated as %s", sessionId, clientIp, user);
                        reply(Reply.of(235, "2.7.0", "Authentication successful"));
                    } else {
                        LOG.infof("[%s] %s failed to authenticate as %s", sessionId, clientIp, user);
                        reply(Reply.of(535, "5.7.8", "Authentication credentials invalid"));
                    }
                    pump();
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

    private void accept(Buffer data) {
        Transaction t = tx;
        String id = MessageIds.next();
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        String received = ReceivedHeader.build(helo, clientIp, config.hostname(), esmtp, tls, authenticated != null,
                t.smtputf8, id, t.recipients.size() == 1 ? t.recipients.get(0).address() : null, now);
        if (submission) {
            byte[] body = data.getBytes();
            received += SubmissionHeaders.missing(body, id, config.hostname(), now);
        }
        byte[] head = received.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] message = new byte[head.length + data.length()];
        System.arraycopy(head, 0, message, 0, head.length);
        data.getBytes(0, data.length(), message, head.length);

        Envelope envelope = Envelope.received(id, Instant.now(), new Envelope.Client(clientIp, helo, tls, authenticated),
                t.mailFrom, List.copyOf(t.recipients), message.length);
        if (t.smtputf8) {
            envelope = envelope.withFlag("smtputf8", true);
        }
        if (t.body != null) {
            envelope = envelope.withText("body", t.body);
        }
        if (t.ret != null) {
            envelope = envelope.withText("ret", t.ret);
        }
        if (t.envid != null) {
            envelope = envelope.withText("envid", t.envid);
        }
        busy = true;
        long started = System.nanoTime();
        Envelope published = envelope;
        server.publisher().publish(published, message, failure -> context.runOnContext(
                v -> published(published, System.nanoTime() - started, failure)));
    }

    /**
     * The broker's answer, which the producer gives exactly once and within the publish timeout
     * (its delivery timeout), acknowledged or not.
     */
    private void published(Envelope envelope, long nanos, Throwable failure) {
        busy = false;
        endTransaction();
        if (failure != null) {
            LOG.warnf("[%s] message %s from <%s> not queued, answered 451: %s", sessionId, envelope.id(),
                    envelope.mailFrom(), failure.toString());
            reply(Reply.of(451, "4.3.0", "Error: queue unavailable, try again later"));
        } else {
            server.metrics().accepted(envelope.size(), nanos);
            // Once per message: plain concatenation, since infof's java.util.Formatter costs more
            // than the rest of the line's work together.
            LOG.info("[" + sessionId + "] queued " + envelope.id() + " from <" + envelope.mailFrom() + "> to "
                    + envelope.recipients().size() + " recipient(s), " + envelope.size() + " octets, client " + clientIp);
            reply(Reply.of(250, "2.0.0", "Ok: queued as " + envelope.id()));
        }
        pump();
    }

    // ---- plumbing ------------------------------------------------------------------------------

    private Reply violationReply(Violation v) {
        return switch (v) {
            case NONE -> null;
            case TOO_BIG -> Reply.of(552, "5.3.4", "Error: message exceeds fixed size limit of " + config.maxMessageSize());
            case LINE_TOO_LONG -> Reply.of(500, "5.5.2", "Error: line longer than " + config.maxTextLine() + " octets");
            case BARE_NEWLINE -> Reply.of(554, "5.5.2",
                    "Error: bare <CR> or <LF> in message; lines must end with <CR><LF>");
        };
    }

    private void endTransaction() {
        tx = null;
        if (state != SessionState.CONNECTED) {
            state = SessionState.GREETED;
        }
    }

    private void reply(Reply reply) {
        reply(reply, true);
    }

    /** {@code countsAsError}: whether an error reply moves the session toward its error limit. */
    private void reply(Reply reply, boolean countsAsError) {
        if (closed) {
            return;
        }
        write(reply);
        if (reply.isError()) {
            server.metrics().rejected(reply);
            if (reply.code() >= 500) {
                LOG.debugf("[%s] %s: %s", sessionId, clientIp, reply);
            }
            if (countsAsError && ++errors >= config.maxErrors() && !reply.closes()) {
                write(Reply.of(421, "4.7.0", config.hostname() + " Error: too many errors"));
                close();
                return;
            }
        }
        if (reply.closes()) {
            close();
        }
    }

    private void write(Reply reply) {
        socket.write(reply.toBuffer());
    }

    private void timeout(String why) {
        if (closed) {
            return;
        }
        LOG.infof("[%s] %s: %s", sessionId, clientIp, why);
        write(Reply.of(421, "4.4.2", config.hostname() + " Error: " + why));
        close();
    }

    /**
     * One timer per session watches both limits, re-armed for whichever comes first: silence
     * ({@code idle-timeout}, not while the session waits on Kafka) and the whole session's length.
     * Activity only stamps {@link #lastActivity}, so a busy session costs no timer work per command.
     */
    private void armTimer(long nanos) {
        timer = server.vertx().setTimer(Math.max(1, nanos / 1_000_000), t -> {
            long now = System.nanoTime();
            long sessionLeft = config.sessionTimeout().toNanos() - (now - startedAt);
            long quiet = now - lastActivity;
            long idleLimit = config.idleTimeout().toNanos();
            if (sessionLeft <= 0) {
                timeout("session time limit exceeded");
            } else if (!busy && quiet >= idleLimit) {
                timeout("timeout exceeded");
            } else {
                armTimer(Math.min(sessionLeft, busy ? idleLimit : idleLimit - quiet));
            }
        });
    }

    private void close() {
        if (!closed) {
            closed = true;
            socket.close();
            cancelTimers();
        }
    }

    private void closed() {
        closed = true;
        cancelTimers();
        server.sessionEnded(clientIp);
    }

    private void cancelTimers() {
        if (timer >= 0) {
            server.vertx().cancelTimer(timer);
        }
    }

    private static boolean validBdat(String[] parts) {
        return (parts.length == 1 || parts.length == 2 && parts[1].equalsIgnoreCase("LAST"))
                && parts[0].matches("[0-9]{1," + BDAT_MAX_DIGITS + "}");
    }

    private static boolean validNotify(String v) {
        if (v.equals("NEVER")) {
            return true;
        }
        if (v.isEmpty()) {
            return false;
        }
        for (String part : v.split(",", -1)) {
            if (!part.equals("SUCCESS") && !part.equals("FAILURE") && !part.equals("DELAY")) {
                return false;
            }
        }
        return true;
    }

    /** RFC 3461 4: xtext is printable ASCII but '+' and '=', with {@code +XX} hex escapes. */
    private static boolean isXtext(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+') {
                if (i + 2 >= s.length() || !isHex(s.charAt(i + 1)) || !isHex(s.charAt(i + 2))) {
                    return false;
                }
                i += 2;
            } else if (c < 33 || c > 126 || c == '=') {
                return false;
            }
        }
        return true;
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
    }

    private static boolean nonAscii(String s) {
        return s.chars().anyMatch(c -> c > 127);
    }
}
