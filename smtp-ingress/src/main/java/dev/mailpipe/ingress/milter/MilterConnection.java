package dev.mailpipe.ingress.milter;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One connection to a milter: packets out, replies in, one question at a time. Every wait has a
 * deadline, restarted by the milter's "progress" replies as libmilter's {@code smfi_progress}
 * intends; what the milter writes is bounded per packet ({@link MilterFrames}) and, for the end of
 * the message, in all. A milter that breaks any of this fails the question and the connection.
 */
public final class MilterConnection {
    /** Modification packets one end of message may bring, whatever their size. */
    static final int MAX_MODIFICATIONS = 1000;

    private final Vertx vertx;
    private final NetSocket socket;
    private final MilterFrames frames = new MilterFrames();
    private Promise<List<MilterPacket>> waiting;
    private List<MilterPacket> modifications;
    private long modifiedBytes;
    private long maxModifiedBytes;
    private long timer = -1;
    private long timeoutMillis;
    private boolean closed;

    private MilterConnection(Vertx vertx, NetSocket socket) {
        this.vertx = vertx;
        this.socket = socket;
        socket.handler(this::received);
        socket.closeHandler(v -> {
            closed = true;
            fail("the milter closed the connection");
        });
        socket.exceptionHandler(e -> fail(String.valueOf(e.getMessage())));
    }

    /** {@code inet:host:port} or {@code unix:/path}, Postfix's names for a milter's address. */
    public static Future<MilterConnection> open(Vertx vertx, NetClient client, String address) {
        SocketAddress to;
        try {
            to = socketAddress(address);
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        return client.connect(to).map(socket -> new MilterConnection(vertx, socket));
    }

    static SocketAddress socketAddress(String address) {
        if (address.startsWith("unix:")) {
            return SocketAddress.domainSocketAddress(address.substring(5));
        }
        String hostPort = address.startsWith("inet:") ? address.substring(5) : address;
        int colon = hostPort.lastIndexOf(':');
        if (colon < 1) {
            throw new IllegalArgumentException("milter address " + address + " is not inet:host:port or unix:/path");
        }
        String host = hostPort.substring(0, colon).replaceAll("^\\[|\\]$", "");
        return SocketAddress.inetSocketAddress(Integer.parseInt(hostPort.substring(colon + 1)), host);
    }

    /** A packet the milter does not answer (macros, or a step it said it would not answer). */
    public void send(MilterPacket packet) {
        if (!closed) {
            socket.write(packet.toBuffer());
        }
    }

    /** Sends {@code packet} and waits up to {@code timeout} for the milter's answer to it. */
    public Future<MilterPacket> ask(MilterPacket packet, Duration timeout) {
        return exchange(packet, timeout, 0).map(replies -> replies.get(replies.size() - 1));
    }

    /**
     * The end of the message: sends {@code packet} and gathers the milter's modifications up to its
     * final answer, the last in the list; at most {@code maxBytes} of them in all.
     */
    public Future<List<MilterPacket>> askForModifications(MilterPacket packet, Duration timeout, long maxBytes) {
        return exchange(packet, timeout, maxBytes);
    }

    private Future<List<MilterPacket>> exchange(MilterPacket packet, Duration timeout, long maxBytes) {
        if (closed) {
            return Future.failedFuture("the milter closed the connection");
        }
        if (waiting != null) {
            return Future.failedFuture(new IllegalStateException("a question to the milter is still open"));
        }
        waiting = Promise.promise();
        modifications = maxBytes > 0 ? new ArrayList<>() : null;
        modifiedBytes = 0;
        maxModifiedBytes = maxBytes;
        timeoutMillis = Math.max(1, timeout.toMillis());
        restartTimer();
        socket.write(packet.toBuffer());
        return waiting.future();
    }

    private void restartTimer() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        timer = vertx.setTimer(timeoutMillis, t -> {
            timer = -1;
            fail("no answer within " + Duration.ofMillis(timeoutMillis).toSeconds() + "s");
        });
    }

    private void received(Buffer chunk) {
        try {
            frames.add(chunk);
            for (MilterPacket p = frames.next(); p != null; p = frames.next()) {
                take(p);
            }
        } catch (IllegalStateException e) {
            fail(e.getMessage());
        }
    }

    private void take(MilterPacket p) {
        if (waiting == null) {
            throw new IllegalStateException("the milter wrote '" + p.command() + "' unasked");
        }
        if (p.command() == MilterProtocol.PROGRESS) {
            restartTimer();
            return;
        }
        if (modifications != null && isModification(p.command())) {
            modifiedBytes += p.data().length;
            if (modifications.size() >= MAX_MODIFICATIONS || modifiedBytes > maxModifiedBytes) {
                throw new IllegalStateException("the milter's modifications pass " + MAX_MODIFICATIONS + " packets or "
                        + maxModifiedBytes + " octets");
            }
            modifications.add(p);
            return;
        }
        List<MilterPacket> replies = modifications != null ? modifications : new ArrayList<>(1);
        replies.add(p);
        Promise<List<MilterPacket>> answered = settle();
        answered.complete(replies);
    }

    private static boolean isModification(char c) {
        return c == MilterProtocol.ADDHEADER || c == MilterProtocol.INSHEADER || c == MilterProtocol.CHGHEADER
                || c == MilterProtocol.REPLBODY || c == MilterProtocol.QUARANTINE || c == '+' || c == '-' || c == 'e'
                || c == '2' || c == 'l';
    }

    private Promise<List<MilterPacket>> settle() {
        Promise<List<MilterPacket>> answered = waiting;
        waiting = null;
        modifications = null;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
        return answered;
    }

    private void fail(String why) {
        if (waiting != null) {
            settle().tryFail(why);
        }
        close();
    }

    /** Says goodbye (QUIT) when the milter is still there, and closes. */
    public void quit() {
        if (!closed) {
            send(new MilterPacket(MilterProtocol.QUIT, new byte[0]));
        }
        close();
    }

    public void close() {
        if (!closed) {
            closed = true;
            socket.close();
        }
    }
}
