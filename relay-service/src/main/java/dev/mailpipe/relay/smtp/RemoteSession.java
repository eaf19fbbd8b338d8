package dev.mailpipe.relay.smtp;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.relay.RelayConfig;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * An SMTP client session with one server, as RFC 5321 3.3 has the client speak: the handshake
 * (greeting, EHLO, HELO if refused, STARTTLS when offered or required (RFC 3207) and EHLO again),
 * then one {@link RemoteTransaction} per {@link #send}, and RSET between two transactions on one
 * connection; with PIPELINING the RSET leads the next transaction's write, which saves a round
 * trip per message.
 */
public final class RemoteSession {
    /** Per-recipient outcomes, or why this server cannot take part and the next one should be tried. */
    public record Result(List<Outcome> outcomes, String tryNextBecause) {
        public static Result next(String why) {
            return new Result(List.of(), why);
        }

        /** The outcomes, each saying what TLS carried it. */
        public Result withTls(String tls) {
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
    public static final class Stale extends Exception {
        Stale(String message) {
            super(message, null, false, false);
        }
    }

    /** STARTTLS was required for this destination and could not be had. */
    public static final class TlsUnavailable extends Exception {
        TlsUnavailable(String message) {
            super(message, null, false, false);
        }
    }

    public enum TlsPolicy { OPPORTUNISTIC, REQUIRE, NONE }

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
    public static Future<RemoteSession> open(SmtpConnection conn, RelayConfig.Timeouts timeouts, String heloName, String host,
            TlsPolicy tls, Deadline deadline) {
        RemoteSession s = new RemoteSession(conn, timeouts, heloName, host);
        conn.deadline(deadline);
        return conn.reply(timeouts.greeting())
                .compose(greeting -> greeting.code() == 220 ? s.hello()
                        : Future.failedFuture(new Refused("greeting " + greeting)))
                .compose(v -> s.startTls(tls))
                .map(s);
    }

    public boolean tls() {
        return tls;
    }

    boolean pipelining() {
        return extensions.contains("PIPELINING");
    }

    /** The delivery about to use this (pooled) session: none of its waits goes past {@code deadline}. */
    public void within(Deadline deadline) {
        conn.deadline(deadline);
    }

    /** Whether another transaction may use this connection. */
    public boolean reusable() {
        return usable && conn.open();
    }

    public int transactions() {
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
    public Future<Result> send(Envelope envelope, OutgoingMessage outgoing) {
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
        boolean reset = resetDue;
        resetDue = false;
        RemoteTransaction transaction = new RemoteTransaction(conn, timeouts, extensions, host, envelope, form);
        return transaction.run(pipelining(), reset).map(result -> {
            usable &= !transaction.spoiled();
            return result;
        }).recover(e -> {
            usable = false;
            return Future.failedFuture(e);
        });
    }

    /**
     * RSET before the next transaction on this connection. With PIPELINING it is owed and sent with
     * that transaction, which fails with {@link Stale} if it is not answered 250; without, it is sent
     * now, and a 250 says the connection is still good.
     */
    public Future<Boolean> reset() {
        if (pipelining()) {
            resetDue = true;
            return Future.succeededFuture(true);
        }
        return conn.command("RSET", timeouts.command()).map(SmtpReply::positive).recover(e -> Future.succeededFuture(false));
    }

    public void quit() {
        usable = false;
        conn.quit();
    }

    public void close() {
        usable = false;
        conn.close();
    }

    private Result all(List<Recipient> recipients, Outcome.Kind kind, String status, String detail) {
        List<Outcome> outcomes = new ArrayList<>();
        recipients.forEach(r -> outcomes.add(new Outcome(r, kind, status, detail, host)));
        return new Result(outcomes, null);
    }
}
