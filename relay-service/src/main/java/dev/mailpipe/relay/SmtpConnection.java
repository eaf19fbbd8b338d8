package dev.mailpipe.relay;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeoutException;

/**
 * One client connection to a remote SMTP server: send a line, await the reply. Replies arriving
 * before they are asked for (the greeting, pipelined answers) wait in order. A pooled connection
 * may be used from another event loop than the one its socket reads on, hence the locking.
 */
final class SmtpConnection {
    private final Vertx vertx;
    private final NetSocket socket;
    private final Duration replyTimeout;
    private final ReplyParser parser = new ReplyParser();
    private final Deque<SmtpReply> ready = new ArrayDeque<>();
    private final Deque<Promise<SmtpReply>> waiting = new ArrayDeque<>();
    private Throwable broken;

    SmtpConnection(Vertx vertx, NetSocket socket, Duration replyTimeout) {
        this.vertx = vertx;
        this.socket = socket;
        this.replyTimeout = replyTimeout;
        RecordParser lines = RecordParser.newDelimited("\n", this::line).maxRecordSize(64 * 1024);
        lines.exceptionHandler(this::fail);
        socket.handler(lines);
        socket.closeHandler(v -> fail(new java.io.IOException("connection closed by peer")));
        socket.exceptionHandler(this::fail);
    }

    synchronized boolean open() {
        return broken == null;
    }

    /** STARTTLS's second half: the TLS handshake on this connection (peer certificate not verified). */
    Future<Void> upgradeToTls(String serverName) {
        return socket.upgradeToSsl(serverName);
    }

    /** Writes command lines without waiting (PIPELINING); read their replies with {@link #reply()}. */
    void write(String lines) {
        socket.write(Buffer.buffer(lines.getBytes(StandardCharsets.UTF_8)));
    }

    synchronized Future<SmtpReply> reply() {
        if (!ready.isEmpty()) {
            return Future.succeededFuture(ready.poll());
        }
        if (broken != null) {
            return Future.failedFuture(broken);
        }
        Promise<SmtpReply> p = Promise.promise();
        waiting.add(p);
        long timer = vertx.setTimer(replyTimeout.toMillis(), t -> {
            boolean stillWaiting;
            synchronized (this) {
                stillWaiting = waiting.remove(p);
            }
            if (stillWaiting) {
                p.tryFail(new TimeoutException("no reply within " + replyTimeout));
                socket.close();
            }
        });
        return p.future().onComplete(r -> vertx.cancelTimer(timer));
    }

    Future<SmtpReply> command(String line) {
        socket.write(Buffer.buffer((line + "\r\n").getBytes(StandardCharsets.UTF_8)));
        return reply();
    }

    /** Sends raw bytes (message content) and awaits the reply that follows them. */
    Future<SmtpReply> send(Buffer content) {
        socket.write(content);
        return reply();
    }

    void quit() {
        if (broken == null) {
            socket.write(Buffer.buffer("QUIT\r\n"));
        }
        vertx.setTimer(1000, t -> socket.close());
    }

    void close() {
        socket.close();
    }

    private synchronized void line(Buffer raw) {
        String s = raw.toString(StandardCharsets.UTF_8);
        if (s.endsWith("\r")) {
            s = s.substring(0, s.length() - 1);
        }
        SmtpReply reply;
        try {
            reply = parser.feed(s);
        } catch (IllegalArgumentException e) {
            fail(e);
            socket.close();
            return;
        }
        if (reply == null) {
            return;
        }
        Promise<SmtpReply> p = waiting.poll();
        if (p != null) {
            p.tryComplete(reply);
        } else {
            ready.add(reply);
        }
    }

    private synchronized void fail(Throwable t) {
        if (broken == null) {
            broken = t;
        }
        Promise<SmtpReply> p;
        while ((p = waiting.poll()) != null) {
            p.tryFail(t);
        }
    }
}
