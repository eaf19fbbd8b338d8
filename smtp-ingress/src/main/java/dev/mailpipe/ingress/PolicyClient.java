package dev.mailpipe.ingress;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;

/**
 * The client side of Postfix's policy delegation protocol (SMTPD_POLICY_README): a request is
 * {@code name=value} lines and an empty line, the answer the same, with {@code action=} in it.
 * Connections are kept for the next request (as Postfix's {@code smtpd_policy_service_reuse}); one
 * request at a time on each. An answer is bounded in size and time; a connection that was idle and
 * turns out closed is replaced once before the request counts as failed.
 */
final class PolicyClient {
    private static final int MAX_ANSWER = 4096;

    private final Vertx vertx;
    private final NetClient client;
    private final String host;
    private final int port;
    private final long timeoutMillis;
    private final int maxIdle;
    private final Deque<Connection> idle = new ArrayDeque<>();

    PolicyClient(Vertx vertx, String service, java.time.Duration timeout, int maxIdle) {
        this.vertx = vertx;
        int colon = service.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("mailpipe.ingress.door.policy.service wants host:port, not " + service);
        }
        this.host = service.substring(0, colon).replace("[", "").replace("]", "");
        this.port = Integer.parseInt(service.substring(colon + 1));
        this.timeoutMillis = timeout.toMillis();
        this.maxIdle = maxIdle;
        this.client = vertx.createNetClient(new NetClientOptions().setConnectTimeout((int) Math.min(Integer.MAX_VALUE,
                timeoutMillis)).setTcpNoDelay(true));
    }

    /** The server's answer to {@code attributes}: its attributes, {@code action} among them. Fails on timeout or error. */
    Future<Map<String, String>> ask(Map<String, String> attributes) {
        Buffer request = Buffer.buffer(256);
        attributes.forEach((k, v) -> request.appendString(k).appendString("=").appendString(oneLine(v)).appendString("\n"));
        request.appendString("\n");
        Promise<Map<String, String>> answer = Promise.promise();
        long timer = vertx.setTimer(timeoutMillis, t -> answer.tryFail(new java.util.concurrent.TimeoutException(
                "policy server " + host + ":" + port + " did not answer within " + timeoutMillis + " ms")));
        answer.future().onComplete(r -> vertx.cancelTimer(timer));
        Connection reused = takeIdle();
        if (reused != null) {
            reused.send(request, answer, () -> fresh(request, answer));
        } else {
            fresh(request, answer);
        }
        return answer.future();
    }

    private void fresh(Buffer request, Promise<Map<String, String>> answer) {
        if (answer.future().isComplete()) {
            return;
        }
        client.connect(port, host).onComplete(c -> {
            if (c.failed()) {
                answer.tryFail(c.cause());
                return;
            }
            new Connection(c.result()).send(request, answer, () -> answer.tryFail(
                    new IllegalStateException("policy server closed the connection without an answer")));
        });
    }

    private synchronized Connection takeIdle() {
        return idle.pollFirst();
    }

    private synchronized void giveBack(Connection c) {
        if (idle.size() < maxIdle) {
            idle.addFirst(c);
        } else {
            c.socket.close();
        }
    }

    private synchronized void forget(Connection c) {
        idle.remove(c);
    }

    private static String oneLine(String v) {
        return v == null ? "" : v.replace('\r', ' ').replace('\n', ' ');
    }

    /** One connection to the server, one request at a time on it. */
    private final class Connection {
        private final NetSocket socket;
        private Promise<Map<String, String>> current;
        /** Called instead of failing when the connection closes before any answer came. */
        private Runnable retry;
        private boolean answered;

        Connection(NetSocket socket) {
            this.socket = socket;
            RecordParser parser = RecordParser.newDelimited("\n\n", this::answer).maxRecordSize(MAX_ANSWER);
            parser.exceptionHandler(this::failed);
            socket.handler(parser);
            socket.exceptionHandler(this::failed);
            socket.closeHandler(v -> closed());
        }

        synchronized void send(Buffer request, Promise<Map<String, String>> answer, Runnable onClosedFirst) {
            current = answer;
            retry = onClosedFirst;
            answered = false;
            answer.future().onFailure(e -> socket.close()); // a late answer must not meet the next request
            socket.write(request);
        }

        private void answer(Buffer record) {
            Promise<Map<String, String>> p;
            synchronized (this) {
                p = current;
                current = null;
                answered = true;
            }
            if (p == null) {
                socket.close(); // nobody asked
                return;
            }
            Map<String, String> attributes = new java.util.LinkedHashMap<>();
            for (String line : record.toString(StandardCharsets.UTF_8).split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    attributes.putIfAbsent(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
                }
            }
            if (p.future().isComplete()) {
                socket.close(); // it came too late: the request has had its default action
                return;
            }
            giveBack(this); // before the answer is out, so that the next request finds it idle
            p.tryComplete(attributes);
        }

        private void failed(Throwable e) {
            Promise<Map<String, String>> p;
            synchronized (this) {
                p = current;
                current = null;
            }
            socket.close();
            if (p != null) {
                p.tryFail(e);
            }
        }

        private void closed() {
            forget(this);
            Promise<Map<String, String>> p;
            Runnable again;
            synchronized (this) {
                p = current;
                again = answered ? null : retry;
                current = null;
            }
            if (p != null && again != null) {
                again.run();
            } else if (p != null) {
                p.tryFail(new IllegalStateException("policy server closed the connection"));
            }
        }
    }
}
