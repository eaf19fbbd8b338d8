package dev.mailpipe.ingress;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import org.jboss.logging.Logger;

/**
 * The connection under one SMTP conversation: the socket, the greeting, input gathered in
 * {@link SmtpInput} and handed to the {@link SmtpSession} one complete event at a time, replies
 * written in order, the error limit, the time limits, closing.
 *
 * <p>While the session waits (for Kafka, a password check, the TLS handshake) nothing more is read
 * out of the input, so pipelined commands (RFC 2920) simply wait their turn; past a megabyte of
 * unread input the socket is paused until the session catches up.
 */
final class ClientConnection implements Wire {
    private static final Logger LOG = Logger.getLogger(ClientConnection.class);
    private static final int PAUSE_ABOVE = 1 << 20;

    private final SessionContext context;
    private final IngressConfig config;
    private final NetSocket socket;
    private final Context eventLoop;
    private final String sessionId;
    private final String clientIp;
    private final SmtpInput input;
    /** This session's share of the message memory, given back when a transaction ends and at close. */
    private final MessageMemory.Account messageMemory;
    private final SessionTimer timer;
    private SmtpSession session;
    private boolean greeted;
    private boolean earlyTalker;
    /** The pregreet wait is over (or there was none); its timer, while it runs. */
    private boolean pregreetOver;
    private long pregreetTimer = -1;
    /** The client has had its greeting, or the refusal in its place. */
    private boolean connectAnswered;
    private boolean waiting;
    /** Inside {@link #pump()}: a resume from a command's own handling must not start a second loop. */
    private boolean pumping;
    private boolean closed;
    private boolean draining;
    private int errors;

    ClientConnection(SessionContext context, NetSocket socket, Context eventLoop, String sessionId) {
        this.context = context;
        this.config = context.config();
        this.socket = socket;
        this.eventLoop = eventLoop;
        this.sessionId = sessionId;
        this.clientIp = socket.remoteAddress().hostAddress();
        this.messageMemory = context.memory().account(ClientKey.of(clientIp));
        this.input = new SmtpInput(config.maxCommandLine(), config.maxTextLine(), messageMemory);
        this.timer = new SessionTimer(context.vertx(), SessionTimer.Limits.of(config), () -> waiting, context.stressed(),
                this::timeout);
    }

    /** Greets the client, after the configured delay, or refuses it at once with {@code refusal}. */
    void start(Reply refusal) {
        socket.handler(this::received);
        socket.closeHandler(v -> onClosed());
        socket.exceptionHandler(e -> LOG.debugf("[%s] socket error: %s", sessionId, e.getMessage()));
        if (refusal != null) {
            LOG.infof("[%s] refused %s: %s", sessionId, clientIp, refusal);
            reply(refusal);
            return;
        }
        LOG.debugf("[%s] connect from %s", sessionId, clientIp);
        session = new SmtpSession(context, this, sessionId, clientIp);
        timer.start();
        long delay = context.pregreet().delayMillis(clientIp, session.relayClient(), context.submission());
        Future<HookResult> door = session.connect();
        if (delay <= 0 && door.isComplete()) {
            greet(door);
            return;
        }
        // postscreen's order: the connect hooks (DNS lists) run while the client is made to wait;
        // an allow list's word or a refusal ends the wait at once.
        pregreetOver = delay <= 0;
        if (delay > 0) {
            pregreetTimer = context.vertx().setTimer(delay, t -> {
                pregreetOver = true;
                if (!earlyTalker) {
                    context.pregreet().passed(clientIp); // only who waited is remembered: no write per connection else
                }
                greetWhenDecided(door);
            });
        }
        door.onComplete(done -> onEventLoop(() -> greetWhenDecided(door)));
    }

    private void greetWhenDecided(Future<HookResult> door) {
        if (connectAnswered || closed || !door.isComplete()) {
            return;
        }
        boolean decided = door.failed() || door.result().kind() != HookResult.Kind.NEXT;
        if (!pregreetOver && !decided) {
            return;
        }
        if (!pregreetOver) {
            context.vertx().cancelTimer(pregreetTimer);
        }
        greet(door);
    }

    /**
     * RFC 5321 4.3.1: a client that talks before the greeting is no SMTP client (or a spammer's);
     * one the connect hooks turned away hears their reply instead of the greeting.
     */
    private void greet(Future<HookResult> door) {
        connectAnswered = true;
        if (closed) {
            return;
        }
        if (earlyTalker) {
            LOG.infof("[%s] early talker %s refused", sessionId, clientIp);
            context.metrics().doorRefused("pregreet");
            reply(Reply.of(554, "5.5.1", "Error: talked before the greeting; SMTP protocol synchronization"));
            close();
            return;
        }
        HookResult verdict = door.succeeded() ? door.result() : HookResult.refuse(HookChain.HOOK_FAILED);
        if (verdict.refused()) {
            LOG.infof("[%s] refused %s at connect: %s", sessionId, clientIp, verdict.reply());
            reply(verdict.reply());
            close();
            return;
        }
        greeted = true;
        write(session.greeting());
        pump();
    }

    private void received(Buffer data) {
        if (input.inMessage()) {
            timer.data(data.length());
        }
        if (!greeted) {
            earlyTalker = true;
            return;
        }
        input.append(data);
        pump();
    }

    private void pump() {
        if (pumping) {
            return; // a session that resumed from inside a command: the loop below goes on
        }
        pumping = true;
        try {
            pumpEvents();
        } finally {
            pumping = false;
        }
    }

    private void pumpEvents() {
        while (!waiting && !closed) {
            SmtpInput.Event event = input.next();
            if (event == null) {
                break;
            }
            timer.commandArrived();
            if (event instanceof SmtpInput.CommandLine line) {
                if (draining) {
                    shuttingDown();
                    return;
                }
                session.command(line);
            } else if (event instanceof SmtpInput.Message message) {
                session.endOfData(message);
            } else if (event instanceof SmtpInput.Chunk chunk) {
                session.endOfChunk(chunk);
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

    // ---- the wire, for the session ---------------------------------------------------------------

    String clientIp() {
        return clientIp;
    }

    @Override
    public void readMessage(long maxMessageSize, MessageBytes into) {
        input.startData(maxMessageSize, into);
    }

    @Override
    public void readChunk(long length, MessageBytes into, long sizeSoFar, long maxMessageSize) {
        input.startChunk(length, into, sizeSoFar, maxMessageSize);
    }

    @Override
    public boolean sentAhead() {
        return input.buffered() > 0;
    }

    @Override
    public long messageSize() {
        return input.size();
    }

    @Override
    public boolean closed() {
        return closed;
    }

    @Override
    public boolean reserveMessageMemory(long size) {
        messageMemory.release();
        return messageMemory.take(size);
    }

    @Override
    public void messageReleased() {
        messageMemory.release();
    }

    /** No further input is handed over until {@link #resume()}; the idle limit does not run meanwhile. */
    @Override
    public void await() {
        waiting = true;
    }

    /** Back on the event loop after a wait: hands over the input that arrived meanwhile. */
    @Override
    public void resume() {
        waiting = false;
        timer.commandArrived(); // the client's next command has its whole time from here
        pump();
        if (draining) {
            drain(); // the 250 of the last message is out: the session need not wait for a command
        }
    }

    /**
     * The server is stopping (RFC 5321 3.8: 421 when it must close). A session between commands
     * hears 421 at once; one in the middle of a message finishes it, and its client gets the 250 once
     * Kafka has the message (or the 451), then 421 at its next command. Runs on the event loop.
     */
    void drain() {
        draining = true;
        if (!closed && !waiting && (!greeted || input.atCommandBoundary())) {
            shuttingDown();
        }
    }

    private void shuttingDown() {
        LOG.infof("[%s] %s: closing, the server is shutting down", sessionId, clientIp);
        write(Reply.shuttingDown(config.hostname()));
        close();
    }

    /** Runs {@code task} on this connection's event loop (from a Kafka or worker thread). */
    @Override
    public void onEventLoop(Runnable task) {
        eventLoop.runOnContext(v -> task.run());
    }

    /**
     * RFC 3207: the handshake, then {@code established} and a fresh start. Whatever the client sent
     * after STARTTLS in clear is dropped, before and after (the CVE-2011-0411 class of injection).
     */
    @Override
    public void startTls(Runnable established) {
        input.discardBuffered();
        await();
        socket.upgradeToSsl().onComplete(r -> {
            if (r.failed()) {
                LOG.infof("[%s] TLS handshake with %s failed: %s", sessionId, clientIp, r.cause().getMessage());
                close();
                return;
            }
            established.run();
            input.discardBuffered();
            resume();
        });
    }

    @Override
    public void reply(Reply reply) {
        reply(reply, true);
    }

    /** {@code countsAsError}: whether an error reply moves the session toward its error limit. */
    @Override
    public void reply(Reply reply, boolean countsAsError) {
        if (closed) {
            return;
        }
        write(reply);
        if (reply.isError()) {
            context.metrics().rejected(reply);
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

    /** A reply outside the error count: 354, 334 challenges, the 220 before TLS. */
    @Override
    public void write(Reply reply) {
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

    private void close() {
        if (!closed) {
            closed = true;
            socket.close();
            timer.cancel();
        }
    }

    private void onClosed() {
        closed = true;
        timer.cancel();
        messageMemory.release();
        if (session != null) {
            session.connectionClosed();
        }
        context.ended().accept(this);
    }
}
