package dev.mailpipe.relay.smtp;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * One client connection to a remote SMTP server: send a line, await the reply within the time its
 * phase allows. Replies arriving before they are asked for (the greeting, pipelined answers) wait
 * in order. Memory per connection is bounded: a reply line longer than the limit, a reply with too
 * many lines, or a reply to no command (more replies than commands sent) breaks the connection. A
 * pooled connection may be used from another event loop than the one its socket reads on, hence
 * the locking.
 *
 * <p>STARTTLS (RFC 3207 4.2): nothing the server sent in clear after its {@code 220} may be read as
 * a reply inside TLS. Plain text injected there by a man in the middle (the CVE-2021-38371 class)
 * is a reply to no command, or a partial line left over at the handshake: either fails the
 * connection with {@link ProtocolViolation}.
 */
public final class SmtpConnection {
    /** Content goes out in blocks, each of which must leave within the data-block timeout. */
    private static final int BLOCK = 64 * 1024;

    private final Vertx vertx;
    private final NetSocket socket;
    private final ReplyParser parser;
    private final Deque<SmtpReply> ready = new ArrayDeque<>();
    private final Deque<Promise<SmtpReply>> waiting = new ArrayDeque<>();
    private Throwable broken;
    private volatile Deadline deadline = Deadline.none();
    /** Replies the server owes: the greeting, then one per command line and per message content sent. */
    private int owed = 1;
    /** Octets read off the socket, and octets of them parsed as complete lines: the difference is a partial line. */
    private long received;
    private long parsed;

    /**
     * The server broke the conversation's order: a reply to no command, or plain text after its
     * {@code 220} to STARTTLS, before the handshake (what a man in the middle injects to be read as
     * replies inside TLS). The connection is dropped. Under STARTTLS it is no failure of TLS, which
     * would let opportunistic TLS go on in plain text, but of the peer.
     */
    static final class ProtocolViolation extends java.io.IOException {
        ProtocolViolation(String what) {
            super(what);
        }
    }

    /**
     * Connects on an event loop of its own, where the socket's callbacks run: the reply handler is
     * then in place before the server can say anything. Connecting from a worker thread ran the
     * callback later on that thread, and a greeting sent at once was lost now and then (the
     * session waited out its greeting timeout and moved on to the next MX).
     */
    public static Future<SmtpConnection> connect(Vertx vertx, NetClient client, int port, String address, int maxLineLength,
            int maxLines) {
        Promise<SmtpConnection> connected = Promise.promise();
        ((VertxInternal) vertx).createEventLoopContext().runOnContext(v -> client.connect(port, address)
                .map(socket -> new SmtpConnection(vertx, socket, maxLineLength, maxLines)).onComplete(connected));
        return connected.future();
    }

    private SmtpConnection(Vertx vertx, NetSocket socket, int maxLineLength, int maxLines) {
        this.vertx = vertx;
        this.socket = socket;
        this.parser = new ReplyParser(maxLines);
        RecordParser lines = RecordParser.newDelimited("\n", this::line).maxRecordSize(maxLineLength + 1);
        lines.exceptionHandler(e -> {
            fail(new java.io.IOException("reply line longer than " + maxLineLength + " octets"));
            socket.close();
        });
        socket.handler(data -> {
            synchronized (this) {
                received += data.length();
            }
            lines.handle(data);
        });
        socket.closeHandler(v -> fail(new java.io.IOException("connection closed by peer")));
        socket.exceptionHandler(this::fail);
    }

    synchronized boolean open() {
        return broken == null;
    }

    /**
     * STARTTLS's second half, once its {@code 220} is read: the TLS handshake on this connection
     * (peer certificate not verified here). Fails with {@link ProtocolViolation} if anything else
     * came in clear: replies after the 220 (in the same segment they are parsed right after it, and
     * break the connection as replies to no command), or part of a line.
     */
    Future<Void> upgradeToTls(String serverName) {
        try {
            new javax.net.ssl.SNIHostName(serverName);
        } catch (IllegalArgumentException e) {
            // Netty would throw this in a listener, and the handshake's future would never end.
            return Future.failedFuture(new IllegalArgumentException("no TLS server name can be " + serverName + ": "
                    + e.getMessage()));
        }
        Throwable before = plainTextLeft();
        if (before != null) {
            socket.close();
            return Future.failedFuture(before);
        }
        return socket.upgradeToSsl(serverName).transform(handshake -> {
            Throwable injected = plainTextLeft();
            if (injected != null) {
                socket.close();
                return Future.failedFuture(injected);
            }
            return handshake.succeeded() ? Future.succeededFuture() : Future.failedFuture(handshake.cause());
        });
    }

    /** What the server sent in clear beyond the replies it owed, as the failure to report; null if nothing. */
    private synchronized Throwable plainTextLeft() {
        String what = broken instanceof ProtocolViolation ? broken.getMessage()
                : !ready.isEmpty() || owed != 0 ? ready.size() + " replies waiting"
                : received != parsed || parser.partial() ? "part of a line, " + (received - parsed) + " octets"
                : null;
        return what == null ? null : new ProtocolViolation("plain text after the 220 to STARTTLS, before TLS ("
                + what + "): possible injection");
    }

    /** Writes command lines without waiting (PIPELINING); read their replies with {@link #reply()}. */
    void write(String lines) {
        owe((int) lines.chars().filter(c -> c == '\n').count());
        socket.write(Buffer.buffer(lines.getBytes(StandardCharsets.UTF_8)));
    }

    private synchronized void owe(int replies) {
        owed += replies;
    }

    /** The delivery now using this connection: no wait goes past its end. */
    void deadline(Deadline d) {
        deadline = d;
    }

    /** The next reply, within {@code timeout} (or what is left of the delivery's budget). */
    synchronized Future<SmtpReply> reply(Duration timeout) {
        if (!ready.isEmpty()) {
            return Future.succeededFuture(ready.poll());
        }
        if (broken != null) {
            return Future.failedFuture(broken);
        }
        Promise<SmtpReply> p = Promise.promise();
        waiting.add(p);
        String why = expiry(timeout, "no reply");
        long timer = vertx.setTimer(Math.max(1, deadline.cap(timeout).toMillis()), t -> {
            boolean stillWaiting;
            synchronized (this) {
                stillWaiting = waiting.remove(p);
            }
            if (stillWaiting) {
                p.tryFail(new TimeoutException(why));
                socket.close();
            }
        });
        return p.future().onComplete(r -> vertx.cancelTimer(timer));
    }

    Future<SmtpReply> command(String line, Duration timeout) {
        owe(1);
        socket.write(Buffer.buffer((line + "\r\n").getBytes(StandardCharsets.UTF_8)));
        return reply(timeout);
    }

    /**
     * Sends message content block by block, each within {@code blockTimeout} (a server that stops
     * reading fills the TCP window, and the block never leaves), then awaits the reply that follows
     * within {@code replyTimeout}.
     */
    Future<SmtpReply> send(Buffer content, Duration blockTimeout, Duration replyTimeout) {
        owe(1);
        return writeBlocks(content, 0, blockTimeout).compose(v -> reply(replyTimeout));
    }

    private Future<Void> writeBlocks(Buffer content, int from, Duration timeout) {
        if (from >= content.length()) {
            return Future.succeededFuture();
        }
        int to = Math.min(content.length(), from + BLOCK);
        Promise<Void> written = Promise.promise();
        String why = expiry(timeout, "content not taken");
        long timer = vertx.setTimer(Math.max(1, deadline.cap(timeout).toMillis()), t -> {
            if (written.tryFail(new TimeoutException(why))) {
                socket.close();
            }
        });
        socket.write(content.slice(from, to)).onComplete(r -> {
            vertx.cancelTimer(timer);
            if (r.succeeded()) {
                written.tryComplete();
            } else {
                written.tryFail(r.cause());
            }
        });
        return written.future().compose(v -> writeBlocks(content, to, timeout));
    }

    private String expiry(Duration timeout, String what) {
        return deadline.cap(timeout).compareTo(timeout) < 0
                ? what + ": the delivery's time budget of " + deadline.budget() + " is used up"
                : what + " within " + timeout;
    }

    void quit() {
        if (broken == null) {
            owe(1);
            socket.write(Buffer.buffer("QUIT\r\n"));
        }
        vertx.setTimer(1000, t -> socket.close());
    }

    void close() {
        socket.close();
    }

    /**
     * One reply line, on the socket's event loop. Promises are completed outside the lock: what waits
     * on a reply goes on on this thread (to the site limiter, the pool, another connection), and
     * doing that while holding this connection's lock deadlocked against a thread holding theirs.
     */
    private void line(Buffer raw) {
        String s = raw.toString(StandardCharsets.UTF_8);
        if (s.endsWith("\r")) {
            s = s.substring(0, s.length() - 1);
        }
        // A remote server's words go into logs, events and DSNs: cleaned once, here (a bare CR,
        // an escape sequence or a line separator inside a reply line becomes '?').
        s = dev.mailpipe.model.PeerText.oneLine(s);
        SmtpReply reply;
        Throwable unowed = null;
        try {
            synchronized (this) {
                parsed += raw.length() + 1;
                reply = parser.feed(s);
                if (reply != null && owed == 0) {
                    unowed = new ProtocolViolation("a reply to no command (" + reply.code() + ")");
                } else if (reply != null) {
                    owed--;
                }
            }
        } catch (IllegalArgumentException e) {
            fail(e);
            socket.close();
            return;
        }
        if (unowed != null) {
            fail(unowed);
            socket.close();
            return;
        }
        if (reply == null) {
            return;
        }
        Promise<SmtpReply> p;
        synchronized (this) {
            p = waiting.poll();
            if (p == null) {
                ready.add(reply);
            }
        }
        if (p != null) {
            p.tryComplete(reply);
        }
    }

    private void fail(Throwable t) {
        List<Promise<SmtpReply>> failed;
        synchronized (this) {
            if (broken == null) {
                broken = t;
            }
            failed = new ArrayList<>(waiting);
            waiting.clear();
        }
        failed.forEach(p -> p.tryFail(t));
    }
}
