package dev.mailpipe.relay;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.Recipient;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * An SMTP client session with one server, as RFC 5321 3.3 has the client speak: greeting, EHLO
 * (HELO if refused), STARTTLS when offered (RFC 3207) and EHLO again, then one mail transaction per
 * {@link #send}: MAIL, RCPT per recipient, DATA, content. With PIPELINING (RFC 2920) the MAIL, RCPT
 * and DATA commands go out in one write and the replies are matched by position. Between two
 * transactions on one connection comes RSET; with PIPELINING it leads the next transaction's write
 * (RFC 2920 3.1 allows RSET anywhere in a group), which saves a round trip per message.
 */
final class RemoteSession {
    /** Per-recipient outcomes, or why this server cannot take part and the next one should be tried. */
    record Result(List<Outcome> outcomes, String tryNextBecause) {
        static Result next(String why) {
            return new Result(List.of(), why);
        }

        /** The outcomes, each saying what TLS carried it. */
        Result withTls(String tls) {
            return new Result(outcomes.stream().map(o -> o.withTls(tls)).toList(), tryNextBecause);
        }
    }

    /** A step refused in a way another server might not refuse: move on to the next address. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * A pooled connection did not answer the RSET that led its next transaction: it went stale
     * while idle. Nothing was delivered on it (no content was sent); a new connection should carry
     * the transaction.
     */
    static final class Stale extends Exception {
        Stale(String message) {
            super(message, null, false, false);
        }
    }

    /** STARTTLS was required for this destination and could not be had. */
    static final class TlsUnavailable extends Exception {
        TlsUnavailable(String message) {
            super(message, null, false, false);
        }
    }

    enum TlsPolicy { OPPORTUNISTIC, REQUIRE, NONE }

    private final SmtpConnection conn;
    private final RelayConfig.Timeouts timeouts;
    private final String heloName;
    final String host;
    private final Set<String> extensions = new HashSet<>();
    private long sizeLimit = -1;
    private boolean tls;
    private boolean usable = true;
    private int transactions;
    /** RSET is owed before the next transaction: it goes out with that transaction's commands. */
    private boolean resetDue;

    private RemoteSession(SmtpConnection conn, RelayConfig.Timeouts timeouts, String heloName, String host) {
        this.conn = conn;
        this.timeouts = timeouts;
        this.heloName = heloName;
        this.host = host;
    }

    /**
     * Greeting, EHLO, and STARTTLS as the policy says, all within {@code deadline}. Fails with
     * {@link Refused} or {@link TlsUnavailable}.
     */
    static Future<RemoteSession> open(SmtpConnection conn, RelayConfig.Timeouts timeouts, String heloName, String host,
            TlsPolicy tls, Deadline deadline) {
        RemoteSession s = new RemoteSession(conn, timeouts, heloName, host);
        conn.deadline(deadline);
        return conn.reply(timeouts.greeting())
                .compose(greeting -> greeting.code() == 220 ? s.hello()
                        : Future.failedFuture(new Refused("greeting " + greeting)))
                .compose(v -> s.startTls(tls))
                .map(s);
    }

    boolean tls() {
        return tls;
    }

    boolean pipelining() {
        return extensions.contains("PIPELINING");
    }

    /** The delivery about to use this (pooled) session: none of its waits goes past {@code deadline}. */
    void within(Deadline deadline) {
        conn.deadline(deadline);
    }

    /** Whether another transaction may use this connection. */
    boolean reusable() {
        return usable && conn.open();
    }

    int transactions() {
        return transactions;
    }

    private Future<Void> hello() {
        return conn.command("EHLO " + heloName, timeouts.command()).compose(ehlo -> {
            if (ehlo.code() == 250) {
                extensions.clear();
                for (int i = 1; i < ehlo.lines().size(); i++) {
                    String ext = ehlo.lines().get(i).toUpperCase(Locale.ROOT);
                    extensions.add(ext.split(" ", 2)[0]);
                    if (ext.startsWith("SIZE ")) {
                        try {
                            sizeLimit = Long.parseLong(ext.substring(5).trim());
                        } catch (NumberFormatException ignored) {
                            // SIZE without a number announces no limit.
                        }
                    }
                }
                return Future.succeededFuture();
            }
            if (ehlo.code() == 421) {
                return Future.failedFuture(new Refused("EHLO " + ehlo));
            }
            return conn.command("HELO " + heloName, timeouts.command()).compose(helo -> helo.code() == 250 ? Future.succeededFuture()
                    : Future.failedFuture(new Refused("HELO " + helo)));
        });
    }

    private Future<Void> startTls(TlsPolicy policy) {
        boolean offered = extensions.contains("STARTTLS");
        if (policy == TlsPolicy.NONE || !offered) {
            return policy == TlsPolicy.REQUIRE
                    ? Future.failedFuture(new TlsUnavailable(host + " does not offer STARTTLS, which is required"))
                    : Future.succeededFuture();
        }
        return conn.command("STARTTLS", timeouts.command()).compose(go -> {
            if (go.code() != 220) {
                return policy == TlsPolicy.REQUIRE ? Future.failedFuture(new TlsUnavailable("STARTTLS refused: " + go))
                        : Future.succeededFuture();
            }
            // Injected plain text is the peer's fault, not TLS's: no retry in plain text for it.
            return conn.upgradeToTls(host).recover(e -> Future.failedFuture(e instanceof SmtpConnection.ProtocolViolation ? e
                    : new TlsUnavailable("TLS handshake with " + host + " failed: " + e.getMessage())))
                    .compose(v -> {
                        tls = true;
                        // RFC 3207 4.2: forget what was learnt before TLS and ask again.
                        return hello();
                    });
        });
    }

    /** One mail transaction for {@code envelope}'s recipients, in the form this server takes. */
    Future<Result> send(Envelope envelope, OutgoingMessage outgoing) {
        transactions++;
        List<Recipient> recipients = envelope.recipients();
        boolean utf8 = envelope.smtpUtf8();
        if (utf8 && !extensions.contains("SMTPUTF8")) {
            return Future.succeededFuture(all(recipients, Outcome.Kind.BOUNCED, "5.6.7",
                    "x-mailpipe; message needs SMTPUTF8, which " + host + " does not offer"));
        }
        OutgoingMessage.Form form = outgoing.forPeer(extensions.contains("8BITMIME"));
        byte[] message = form.bytes();
        if (sizeLimit > 0 && message.length > sizeLimit) {
            return Future.succeededFuture(all(recipients, Outcome.Kind.BOUNCED, "5.3.4",
                    "x-mailpipe; message of " + message.length + " octets exceeds " + host + "'s limit of " + sizeLimit));
        }
        Future<Result> result = pipelining() ? pipelined(envelope, form, recipients)
                : stepwise(envelope, form, recipients);
        return result.recover(e -> {
            usable = false;
            return Future.failedFuture(e);
        });
    }

    /**
     * RFC 2920: MAIL, every RCPT and DATA in one write, after the RSET a reused connection owes;
     * replies read back in the same order.
     */
    private Future<Result> pipelined(Envelope envelope, OutgoingMessage.Form form, List<Recipient> recipients) {
        byte[] message = form.bytes();
        boolean reset = resetDue;
        resetDue = false;
        StringBuilder batch = new StringBuilder(reset ? "RSET\r\n" : "").append(mailFrom(envelope, form)).append("\r\n");
        for (Recipient r : recipients) {
            batch.append(rcptTo(r)).append("\r\n");
        }
        batch.append("DATA\r\n");
        conn.write(batch.toString());
        List<Outcome> outcomes = new ArrayList<>();
        List<Recipient> accepted = new ArrayList<>();
        Future<Void> resetAnswered = !reset ? Future.succeededFuture() : conn.reply(timeouts.command())
                .recover(e -> Future.failedFuture(new Stale("no reply to RSET: " + e.getMessage())))
                .compose(r -> r.positive() ? Future.succeededFuture() : Future.failedFuture(new Stale("RSET " + r)));
        return resetAnswered.compose(v -> conn.reply(timeouts.command())).compose(mail -> readRcpts(recipients, 0, mail, accepted, outcomes)
                .compose(v -> conn.reply(timeouts.dataInit()))
                .compose(data -> {
                    if (mail.code() == 421) {
                        return Future.failedFuture(new Refused("MAIL " + mail));
                    }
                    if (!mail.positive()) {
                        return Future.succeededFuture(sameFor(recipients, mail));
                    }
                    if (data.code() == 354 && accepted.isEmpty()) {
                        // Nothing to deliver, yet the server waits for content: end it empty.
                        return conn.send(Buffer.buffer(".\r\n"), timeouts.dataBlock(), timeouts.finalDot()).map(ignored -> new Result(outcomes, null));
                    }
                    return content(data, message, accepted, outcomes);
                }));
    }

    private Future<Void> readRcpts(List<Recipient> all, int i, SmtpReply mail, List<Recipient> accepted,
            List<Outcome> outcomes) {
        if (i == all.size()) {
            return Future.succeededFuture();
        }
        return conn.reply(timeouts.command()).compose(reply -> {
            if (mail.positive()) {
                if (reply.positive()) {
                    accepted.add(all.get(i));
                } else {
                    outcomes.add(Outcome.of(all.get(i), reply, host));
                }
            }
            return readRcpts(all, i + 1, mail, accepted, outcomes);
        });
    }

    private Future<Result> stepwise(Envelope envelope, OutgoingMessage.Form form, List<Recipient> recipients) {
        byte[] message = form.bytes();
        return conn.command(mailFrom(envelope, form), timeouts.command()).compose(mail -> {
            if (mail.code() == 421) {
                return Future.failedFuture(new Refused("MAIL " + mail));
            }
            if (!mail.positive()) {
                return Future.succeededFuture(sameFor(recipients, mail));
            }
            return rcptsOneByOne(recipients, 0, new ArrayList<>(), new ArrayList<>(), message);
        });
    }

    private Future<Result> rcptsOneByOne(List<Recipient> all, int i, List<Recipient> accepted, List<Outcome> outcomes,
            byte[] message) {
        if (i == all.size()) {
            if (accepted.isEmpty()) {
                return Future.succeededFuture(new Result(outcomes, null));
            }
            return conn.command("DATA", timeouts.dataInit()).compose(data -> content(data, message, accepted, outcomes));
        }
        Recipient r = all.get(i);
        return conn.command(rcptTo(r), timeouts.command()).compose(reply -> {
            if (reply.code() == 421) {
                return Future.failedFuture(new Refused("RCPT " + reply));
            }
            if (reply.positive()) {
                accepted.add(r);
            } else {
                outcomes.add(Outcome.of(r, reply, host));
            }
            return rcptsOneByOne(all, i + 1, accepted, outcomes, message);
        });
    }

    private Future<Result> content(SmtpReply data, byte[] message, List<Recipient> accepted, List<Outcome> outcomes) {
        if (data.code() != 354) {
            if (data.code() == 421) {
                return Future.failedFuture(new Refused("DATA " + data));
            }
            if (data.positive()) {
                // RFC 5321 4.1.1.4: DATA is answered 354 or refused. No content went: a 250 here
                // (a broken server, or replies that were not its own) delivers nothing.
                usable = false;
                return Future.failedFuture(new Refused("DATA answered " + data.code() + " instead of 354"));
            }
            accepted.forEach(r -> outcomes.add(Outcome.of(r, data, host)));
            return Future.succeededFuture(new Result(outcomes, null));
        }
        return conn.send(MessageEncoder.dataContent(message), timeouts.dataBlock(), timeouts.finalDot())
                .recover(e -> {
                    // The content went out but no final reply came: the server may or may not have
                    // it. Defer rather than hand it to another host; RFC 5321 6.1 prefers duplicates
                    // to loss, and the next try is minutes away.
                    usable = false;
                    accepted.forEach(r -> outcomes.add(new Outcome(r, Outcome.Kind.DEFERRED, "4.4.2",
                            "x-mailpipe; lost connection with " + host + " after DATA: " + e.getMessage(), host)));
                    return Future.succeededFuture(null);
                })
                .map(done -> {
                    if (done != null) {
                        accepted.forEach(r -> outcomes.add(Outcome.of(r, done, host)));
                        if (done.code() == 421) {
                            usable = false;
                        }
                    }
                    return new Result(outcomes, null);
                });
    }

    /**
     * RSET before the next transaction on this connection. With PIPELINING it is owed and sent with
     * that transaction, which fails with {@link Stale} if it is not answered 250; without, it is sent
     * now, and a 250 says the connection is still good.
     */
    Future<Boolean> reset() {
        if (pipelining()) {
            resetDue = true;
            return Future.succeededFuture(true);
        }
        return conn.command("RSET", timeouts.command()).map(SmtpReply::positive).recover(e -> Future.succeededFuture(false));
    }

    void quit() {
        usable = false;
        conn.quit();
    }

    void close() {
        usable = false;
        conn.close();
    }

    private String mailFrom(Envelope envelope, OutgoingMessage.Form form) {
        StringBuilder sb = new StringBuilder("MAIL FROM:<").append(envelope.mailFrom()).append('>');
        if (extensions.contains("SIZE")) {
            // What goes out: signatures and a 7-bit conversion change the stored size.
            sb.append(" SIZE=").append(form.bytes().length);
        }
        if (extensions.contains("8BITMIME") && form.eightBit() && envelope.body() == Envelope.BodyType.EIGHT_BIT_MIME) {
            sb.append(" BODY=8BITMIME");
        }
        if (envelope.smtpUtf8()) {
            sb.append(" SMTPUTF8");
        }
        if (extensions.contains("DSN")) {
            envelope.ret().ifPresent(v -> sb.append(" RET=").append(v.name()));
            envelope.envid().ifPresent(v -> sb.append(" ENVID=").append(v));
        }
        return sb.toString();
    }

    private String rcptTo(Recipient r) {
        StringBuilder sb = new StringBuilder("RCPT TO:<").append(r.address()).append('>');
        if (extensions.contains("DSN")) {
            r.notifyOn().ifPresent(v -> sb.append(" NOTIFY=").append(v));
            r.orcpt().ifPresent(v -> sb.append(" ORCPT=").append(v));
        }
        return sb.toString();
    }

    private Result sameFor(List<Recipient> recipients, SmtpReply reply) {
        List<Outcome> outcomes = new ArrayList<>();
        recipients.forEach(r -> outcomes.add(Outcome.of(r, reply, host)));
        return new Result(outcomes, null);
    }

    private Result all(List<Recipient> recipients, Outcome.Kind kind, String status, String detail) {
        List<Outcome> outcomes = new ArrayList<>();
        recipients.forEach(r -> outcomes.add(new Outcome(r, kind, status, detail, host)));
        return new Result(outcomes, null);
    }
}
