package dev.mailpipe.ingress.milter;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One milter's conversation about one SMTP transaction, in the protocol's order: options, then
 * connect, HELO, MAIL, each RCPT, and the content (DATA, each header, end of headers, the body in
 * chunks, end of message). Steps the milter asked to be spared are not sent, steps it said it
 * would not answer are not waited for; macros go before each step, only those it asked for when it
 * named them. What the verdicts mean for the SMTP session is the caller's.
 */
public final class MilterSession {
    private final MilterConnection connection;
    private final Duration commandTimeout;
    private final Duration contentTimeout;
    private int steps;
    private int actions;
    /** Per step letter, the macros the milter asked for (SMFIR_SETSYMLIST in its options); absent: all. */
    private final Map<Character, Set<String>> wanted = new HashMap<>();

    private MilterSession(MilterConnection connection, Duration commandTimeout, Duration contentTimeout) {
        this.connection = connection;
        this.commandTimeout = commandTimeout;
        this.contentTimeout = contentTimeout;
    }

    /** Connects within {@code connectTimeout} (the client's own) and negotiates the options. */
    public static Future<MilterSession> open(Vertx vertx, NetClient client, String address, Duration commandTimeout,
            Duration contentTimeout) {
        return MilterConnection.open(vertx, client, address).compose(c -> {
            MilterSession s = new MilterSession(c, commandTimeout, contentTimeout);
            Buffer options = Buffer.buffer().appendInt(MilterProtocol.VERSION).appendInt(MilterProtocol.ACTIONS_OFFERED)
                    .appendInt(MilterProtocol.STEPS_OFFERED);
            return c.ask(new MilterPacket(MilterProtocol.OPTNEG, options.getBytes()), commandTimeout)
                    .map(reply -> {
                        s.negotiated(reply);
                        return s;
                    })
                    .onFailure(e -> c.close());
        });
    }

    private void negotiated(MilterPacket reply) {
        if (reply.command() != MilterProtocol.OPTNEG) {
            throw new IllegalStateException("the milter answered options with '" + reply.command() + "'");
        }
        int version = reply.intAt(0);
        int theirActions = reply.intAt(4);
        int theirSteps = reply.intAt(8);
        if (version < 2) {
            throw new IllegalStateException("milter protocol version " + version + " is too old");
        }
        if ((theirActions & ~MilterProtocol.ACTIONS_OFFERED) != 0) {
            throw new IllegalStateException(String.format("the milter wants actions 0x%x that are not offered", theirActions));
        }
        if ((theirSteps & ~MilterProtocol.STEPS_OFFERED) != 0) {
            throw new IllegalStateException(String.format("the milter wants protocol steps 0x%x that are not offered", theirSteps));
        }
        this.actions = theirActions;
        this.steps = theirSteps;
        // Version 6 may list, per step, the macros wanted: a 32-bit step index, then the names.
        byte[] d = reply.data();
        int at = 12;
        char[] stepLetters = {MilterProtocol.CONNECT, MilterProtocol.HELO, MilterProtocol.MAIL, MilterProtocol.RCPT,
                MilterProtocol.DATA, MilterProtocol.EOM, MilterProtocol.EOH};
        while (at + 4 < d.length) {
            int step = reply.intAt(at);
            int end = at + 4;
            while (end < d.length && d[end] != 0) {
                end++;
            }
            String names = new String(d, at + 4, end - at - 4, StandardCharsets.US_ASCII);
            if (step >= 0 && step < stepLetters.length) {
                wanted.put(stepLetters[step], new java.util.HashSet<>(java.util.Arrays.asList(names.trim().split("[\\s,]+"))));
            }
            at = end + 1;
        }
    }

    /** The changes the milter negotiated (SMFIF_* bits, within {@link MilterProtocol#ACTIONS_OFFERED}). */
    public int actions() {
        return actions;
    }

    private boolean spared(int flag) {
        return (steps & flag) != 0;
    }

    /** Postfix sends headers without the space after the colon unless the milter asks for it. */
    public boolean leadingSpace() {
        return spared(MilterProtocol.HEADER_LEADING_SPACE);
    }

    private void macros(char step, Map<String, String> macros) {
        Set<String> names = wanted.get(step);
        Buffer b = Buffer.buffer().appendByte((byte) step);
        boolean any = false;
        for (Map.Entry<String, String> m : macros.entrySet()) {
            String name = m.getKey();
            if (m.getValue() == null || names != null && !names.contains(name)
                    && !names.contains(name.startsWith("{") ? name.substring(1, name.length() - 1) : "{" + name + "}")) {
                continue;
            }
            b.appendBytes(name.getBytes(StandardCharsets.UTF_8)).appendByte((byte) 0)
                    .appendBytes(m.getValue().getBytes(StandardCharsets.UTF_8)).appendByte((byte) 0);
            any = true;
        }
        if (any) {
            connection.send(new MilterPacket(MilterProtocol.MACRO, b.getBytes()));
        }
    }

    /** One step: its macros, then the packet, answered unless the milter said it would not answer. */
    private Future<MilterVerdict> step(int noFlag, int noReplyFlag, char letter, Map<String, String> macros, MilterPacket packet) {
        if (spared(noFlag)) {
            return Future.succeededFuture(MilterVerdict.CONTINUE);
        }
        macros(letter, macros);
        if (spared(noReplyFlag)) {
            connection.send(packet);
            return Future.succeededFuture(MilterVerdict.CONTINUE);
        }
        return connection.ask(packet, commandTimeout).map(p -> MilterVerdict.of(p, List.of()));
    }

    public Future<MilterVerdict> connect(Map<String, String> macros, String hostname, String ip) {
        Buffer b = Buffer.buffer().appendBytes(hostname.getBytes(StandardCharsets.UTF_8)).appendByte((byte) 0)
                .appendByte((byte) (ip.contains(":") ? '6' : '4')).appendUnsignedShort(0)
                .appendBytes(ip.getBytes(StandardCharsets.US_ASCII)).appendByte((byte) 0);
        return step(MilterProtocol.NO_CONNECT, MilterProtocol.NR_CONNECT, MilterProtocol.CONNECT, macros,
                new MilterPacket(MilterProtocol.CONNECT, b.getBytes()));
    }

    public Future<MilterVerdict> helo(Map<String, String> macros, String name) {
        return step(MilterProtocol.NO_HELO, MilterProtocol.NR_HELO, MilterProtocol.HELO, macros,
                MilterPacket.strings(MilterProtocol.HELO, name));
    }

    public Future<MilterVerdict> mail(Map<String, String> macros, String sender) {
        return step(MilterProtocol.NO_MAIL, MilterProtocol.NR_MAIL, MilterProtocol.MAIL, macros,
                MilterPacket.strings(MilterProtocol.MAIL, "<" + sender + ">"));
    }

    public Future<MilterVerdict> rcpt(Map<String, String> macros, String recipient) {
        return step(MilterProtocol.NO_RCPT, MilterProtocol.NR_RCPT, MilterProtocol.RCPT, macros,
                MilterPacket.strings(MilterProtocol.RCPT, "<" + recipient + ">"));
    }

    /**
     * The content: DATA, the header fields as {@code name, value} pairs, end of headers, the body
     * in chunks, end of message. The last verdict carries the modifications (at most
     * {@code maxModifiedBytes} octets of them).
     */
    public Future<MilterVerdict> content(Map<String, String> macros, List<String[]> headers, byte[] body, long maxModifiedBytes) {
        Future<MilterVerdict> f = step(MilterProtocol.NO_DATA, MilterProtocol.NR_DATA, MilterProtocol.DATA, macros,
                new MilterPacket(MilterProtocol.DATA, new byte[0]));
        for (String[] h : headers) {
            f = f.compose(v -> v.kind() != MilterVerdict.Kind.CONTINUE ? Future.succeededFuture(v)
                    : step(MilterProtocol.NO_HEADERS, MilterProtocol.NR_HEADER, MilterProtocol.HEADER, Map.of(),
                            MilterPacket.strings(MilterProtocol.HEADER, h[0], h[1])));
        }
        f = f.compose(v -> v.kind() != MilterVerdict.Kind.CONTINUE ? Future.succeededFuture(v)
                : step(MilterProtocol.NO_EOH, MilterProtocol.NR_EOH, MilterProtocol.EOH, macros,
                        new MilterPacket(MilterProtocol.EOH, new byte[0])));
        f = f.compose(v -> v.kind() != MilterVerdict.Kind.CONTINUE ? Future.succeededFuture(v) : body(body, 0));
        return f.compose(v -> {
            if (v.kind() != MilterVerdict.Kind.CONTINUE) {
                return Future.succeededFuture(v);
            }
            macros(MilterProtocol.EOM, macros);
            return connection.askForModifications(new MilterPacket(MilterProtocol.EOM, new byte[0]), contentTimeout, maxModifiedBytes)
                    .map(replies -> MilterVerdict.of(replies.get(replies.size() - 1), replies.subList(0, replies.size() - 1)));
        });
    }

    /** The body from {@code from} on, a chunk at a time; a SKIP reply ends it early (the milter has seen enough). */
    private Future<MilterVerdict> body(byte[] body, int from) {
        if (spared(MilterProtocol.NO_BODY) || from >= body.length) {
            return Future.succeededFuture(MilterVerdict.CONTINUE);
        }
        int to = Math.min(body.length, from + MilterProtocol.BODY_CHUNK);
        byte[] chunk = java.util.Arrays.copyOfRange(body, from, to);
        MilterPacket packet = new MilterPacket(MilterProtocol.BODY, chunk);
        if (spared(MilterProtocol.NR_BODY)) {
            connection.send(packet);
            return body(body, to);
        }
        return connection.ask(packet, contentTimeout).compose(p -> {
            if (p.command() == MilterProtocol.SKIP) {
                return Future.succeededFuture(MilterVerdict.CONTINUE);
            }
            MilterVerdict v = MilterVerdict.of(p, List.of());
            return v.kind() == MilterVerdict.Kind.CONTINUE ? body(body, to) : Future.succeededFuture(v);
        });
    }

    /** The transaction ended without its content (RSET, a refusal, the client left). */
    public void abort() {
        connection.send(new MilterPacket(MilterProtocol.ABORT, new byte[0]));
        connection.quit();
    }

    public void quit() {
        connection.quit();
    }
}
