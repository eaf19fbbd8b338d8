package dev.mailpipe.relay;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.Recipient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One SMTP transaction with one server, as RFC 5321 3.3 has the client speak: greeting, EHLO (HELO if
 * refused), MAIL, one RCPT per recipient, DATA, content, QUIT. Each recipient ends with its own
 * outcome; a server that cannot take part at all (bad greeting, 421, lost before DATA) makes the
 * whole transfer "try the next host" instead.
 */
final class SmtpTransfer {
    /** The result: per-recipient outcomes, or a reason to move on to the next address. */
    record Result(List<Outcome> outcomes, String tryNextBecause) {
        static Result next(String why) {
            return new Result(List.of(), why);
        }
    }

    private final SmtpConnection conn;
    private final String heloName;
    private final String host;
    private final Envelope envelope;
    private final byte[] message;
    private final Set<String> extensions = new HashSet<>();
    private long sizeLimit = -1;
    private boolean contentSent;

    SmtpTransfer(SmtpConnection conn, String heloName, String host, Envelope envelope, byte[] message) {
        this.conn = conn;
        this.heloName = heloName;
        this.host = host;
        this.envelope = envelope;
        this.message = message;
    }

    Future<Result> run() {
        Promise<Result> done = Promise.promise();
        conn.reply()
                .compose(greeting -> greeting.code() == 220 ? hello()
                        : Future.failedFuture(new Refused("greeting " + greeting)))
                .compose(v -> transaction())
                .onComplete(r -> {
                    if (r.succeeded()) {
                        conn.quit();
                        done.complete(r.result());
                    } else {
                        conn.close();
                        done.complete(failure(r.cause()));
                    }
                });
        return done.future();
    }

    /** A step refused in a way that another server might not refuse. */
    private static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private Result failure(Throwable t) {
        String why = host + "[" + conn.remoteAddress() + "]: " + t.getMessage();
        if (!contentSent) {
            return Result.next(why);
        }
        // The content went out but no final reply came: the server may or may not have it. Defer
        // rather than hand it straight to another host, as RFC 5321 6.1 prefers duplicates to loss.
        List<Outcome> outcomes = new ArrayList<>();
        for (Recipient r : envelope.recipients()) {
            outcomes.add(new Outcome(r, Outcome.Kind.DEFERRED, "4.4.2", "x-mailpipe; lost connection after DATA: " + why, host));
        }
        return new Result(outcomes, null);
    }

    private Future<Void> hello() {
        return conn.command("EHLO " + heloName).compose(ehlo -> {
            if (ehlo.code() == 250) {
                for (int i = 1; i < ehlo.lines().size(); i++) {
                    String ext = ehlo.lines().get(i).toUpperCase(Locale.ROOT);
                    extensions.add(ext.split(" ", 2)[0]);
                    if (ext.startsWith("SIZE ")) {
                        try {
                            sizeLimit = Long.parseLong(ext.substring(5).trim());
                        } catch (NumberFormatException ignored) {
                            // SIZE without a usable number means no limit announced.
                        }
                    }
                }
                return Future.succeededFuture();
            }
            if (ehlo.code() == 421) {
                return Future.failedFuture(new Refused("EHLO " + ehlo));
            }
            return conn.command("HELO " + heloName).compose(helo -> helo.code() == 250 ? Future.succeededFuture()
                    : Future.failedFuture(new Refused("HELO " + helo)));
        });
    }

    private Future<Result> transaction() {
        List<Recipient> recipients = envelope.recipients();
        boolean utf8 = envelope.flag("smtputf8");
        if (utf8 && !extensions.contains("SMTPUTF8")) {
            return Future.succeededFuture(all(recipients, Outcome.Kind.BOUNCED, "5.6.7",
                    "x-mailpipe; message needs SMTPUTF8, which " + host + " does not offer"));
        }
        if (sizeLimit > 0 && message.length > sizeLimit) {
            return Future.succeededFuture(all(recipients, Outcome.Kind.BOUNCED, "5.3.4",
                    "x-mailpipe; message of " + message.length + " octets exceeds " + host + "'s limit of " + sizeLimit));
        }
        return conn.command(mailFrom(utf8)).compose(mail -> {
            if (mail.code() == 421) {
                return Future.failedFuture(new Refused("MAIL " + mail));
            }
            if (!mail.positive()) {
                return Future.succeededFuture(sameFor(recipients, mail));
            }
            return recipients(recipients, 0, new ArrayList<>(), new ArrayList<>());
        });
    }

    private Future<Result> recipients(List<Recipient> all, int i, List<Recipient> accepted, List<Outcome> outcomes) {
        if (i == all.size()) {
            return data(accepted, outcomes);
        }
        Recipient r = all.get(i);
        return conn.command(rcptTo(r)).compose(reply -> {
            if (reply.code() == 421) {
                return Future.failedFuture(new Refused("RCPT " + reply));
            }
            if (reply.positive()) {
                accepted.add(r);
            } else {
                outcomes.add(Outcome.of(r, reply, host));
            }
            return recipients(all, i + 1, accepted, outcomes);
        });
    }

    private Future<Result> data(List<Recipient> accepted, List<Outcome> outcomes) {
        if (accepted.isEmpty()) {
            return Future.succeededFuture(new Result(outcomes, null));
        }
        return conn.command("DATA").compose(go -> {
            if (go.code() != 354) {
                if (go.code() == 421) {
                    return Future.failedFuture(new Refused("DATA " + go));
                }
                accepted.forEach(r -> outcomes.add(Outcome.of(r, go, host)));
                return Future.succeededFuture(new Result(outcomes, null));
            }
            Buffer content = MessageEncoder.dataContent(message);
            contentSent = true;
            return conn.send(content).map(done -> {
                accepted.forEach(r -> outcomes.add(Outcome.of(r, done, host)));
                return new Result(outcomes, null);
            });
        });
    }

    private String mailFrom(boolean utf8) {
        StringBuilder sb = new StringBuilder("MAIL FROM:<").append(envelope.mailFrom()).append('>');
        if (extensions.contains("SIZE")) {
            sb.append(" SIZE=").append(message.length);
        }
        if (extensions.contains("8BITMIME") && envelope.text("body").map("8BITMIME"::equals).orElse(false)) {
            sb.append(" BODY=8BITMIME");
        }
        if (utf8) {
            sb.append(" SMTPUTF8");
        }
        if (extensions.contains("DSN")) {
            envelope.text("ret").ifPresent(v -> sb.append(" RET=").append(v));
            envelope.text("envid").ifPresent(v -> sb.append(" ENVID=").append(v));
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
