package dev.mailpipe.relay.smtp;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.relay.RelayConfig;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One mail transaction as RFC 5321 3.3 has the client speak it: MAIL, RCPT for each recipient,
 * DATA, the content, each recipient's outcome from the replies. Written once; whether the commands
 * go out together (PIPELINING) or one by one is its {@link CommandExchange}. A pipelined
 * transaction on a reused connection starts with the RSET the connection owes (RFC 2920 3.1 allows
 * RSET anywhere in a group), which fails it with {@link RemoteSession.Stale} if unanswered.
 */
final class RemoteTransaction {
    private final SmtpConnection conn;
    private final RelayConfig.Timeouts timeouts;
    private final Set<String> extensions;
    private final String host;
    private final Envelope envelope;
    private final List<Recipient> recipients;
    private final OutgoingMessage.Form form;
    private final List<Recipient> accepted = new ArrayList<>();
    private final List<Outcome> outcomes = new ArrayList<>();
    /** Set when the connection is left in a state no further transaction may use. */
    private boolean spoiled;

    RemoteTransaction(SmtpConnection conn, RelayConfig.Timeouts timeouts, Set<String> extensions, String host,
            Envelope envelope, OutgoingMessage.Form form) {
        this.conn = conn;
        this.timeouts = timeouts;
        this.extensions = extensions;
        this.host = host;
        this.envelope = envelope;
        this.recipients = envelope.recipients();
        this.form = form;
    }

    /** Whether the connection may carry another transaction after this one. */
    boolean spoiled() {
        return spoiled;
    }

    /** The transaction; {@code resetFirst}: a pipelined one leads with the RSET its connection owes. */
    Future<RemoteSession.Result> run(boolean pipelining, boolean resetFirst) {
        String mail = mailFrom();
        CommandExchange exchange;
        Future<Void> reset = Future.succeededFuture();
        if (pipelining) {
            List<String> commands = new ArrayList<>();
            if (resetFirst) {
                commands.add("RSET");
            }
            commands.add(mail);
            recipients.forEach(r -> commands.add(rcptTo(r)));
            commands.add("DATA");
            exchange = CommandExchange.pipelined(conn, commands);
            if (resetFirst) {
                reset = exchange.ask("RSET", timeouts.command())
                        .recover(e -> Future.failedFuture(new RemoteSession.Stale("no reply to RSET: " + e.getMessage())))
                        .compose(r -> r.positive() ? Future.succeededFuture()
                                : Future.failedFuture(new RemoteSession.Stale("RSET " + r)));
            }
        } else {
            exchange = CommandExchange.stepwise(conn);
        }
        return reset.compose(v -> exchange.ask(mail, timeouts.command())).compose(reply -> {
            if (reply.code() == 421) {
                return Future.failedFuture(new RemoteSession.Refused("MAIL " + reply));
            }
            if (!reply.positive()) {
                recipients.forEach(r -> outcomes.add(Outcome.of(r, reply, host)));
                return exchange.drain(timeouts.dataInit()).map(last -> {
                    spoiled = last != null && last.code() == 354; // a server in DATA for nobody: not reused
                    return result();
                });
            }
            return recipients(exchange, 0);
        });
    }

    private Future<RemoteSession.Result> recipients(CommandExchange exchange, int i) {
        if (i == recipients.size()) {
            if (accepted.isEmpty()) {
                // Nothing to deliver. Pipelined, DATA went too: a server that waits for content
                // gets an empty end.
                return exchange.drain(timeouts.dataInit()).compose(data -> data != null && data.code() == 354
                        ? conn.send(Buffer.buffer(".\r\n"), timeouts.dataBlock(), timeouts.finalDot()).map(ignored -> result())
                        : Future.succeededFuture(result()));
            }
            return exchange.ask("DATA", timeouts.dataInit()).compose(this::content);
        }
        Recipient r = recipients.get(i);
        return exchange.ask(rcptTo(r), timeouts.command()).compose(reply -> {
            if (reply.code() == 421) {
                return Future.failedFuture(new RemoteSession.Refused("RCPT " + reply));
            }
            if (reply.positive()) {
                accepted.add(r);
            } else {
                outcomes.add(Outcome.of(r, reply, host));
            }
            return recipients(exchange, i + 1);
        });
    }

    private Future<RemoteSession.Result> content(SmtpReply data) {
        if (data.code() != 354) {
            if (data.code() == 421) {
                return Future.failedFuture(new RemoteSession.Refused("DATA " + data));
            }
            if (data.positive()) {
                // RFC 5321 4.1.1.4: DATA is answered 354 or refused. No content went: a 250 here
                // (a broken server, or replies that were not its own) delivers nothing.
                spoiled = true;
                return Future.failedFuture(new RemoteSession.Refused("DATA answered " + data.code() + " instead of 354"));
            }
            accepted.forEach(r -> outcomes.add(Outcome.of(r, data, host)));
            return Future.succeededFuture(result());
        }
        return conn.send(MessageEncoder.dataContent(form.bytes()), timeouts.dataBlock(), timeouts.finalDot())
                .recover(e -> {
                    // The content went out but no final reply came: the server may or may not have
                    // it. Defer rather than hand it to another host; RFC 5321 6.1 prefers duplicates
                    // to loss, and the next try is minutes away.
                    spoiled = true;
                    accepted.forEach(r -> outcomes.add(new Outcome(r, Outcome.Kind.DEFERRED, "4.4.2",
                            "x-mailpipe; lost connection with " + host + " after DATA: " + e.getMessage(), host)));
                    return Future.succeededFuture(null);
                })
                .map(done -> {
                    if (done != null) {
                        accepted.forEach(r -> outcomes.add(Outcome.of(r, done, host)));
                        spoiled |= done.code() == 421;
                    }
                    return result();
                });
    }

    private RemoteSession.Result result() {
        return new RemoteSession.Result(outcomes, null);
    }

    private String mailFrom() {
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
}
