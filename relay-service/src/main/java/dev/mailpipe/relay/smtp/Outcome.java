package dev.mailpipe.relay.smtp;

import dev.mailpipe.model.Recipient;

/**
 * What became of one recipient on one attempt; {@code tls} says what protected the transaction
 * (the TLS policy that applied and whether the session had TLS), null where none took place.
 */
public record Outcome(Recipient recipient, Kind kind, String status, String detail, String remoteMta, String tls) {
    public enum Kind { SENT, DEFERRED, BOUNCED }

    public Outcome(Recipient recipient, Kind kind, String status, String detail, String remoteMta) {
        this(recipient, kind, status, detail, remoteMta, null);
    }

    Outcome withTls(String how) {
        return new Outcome(recipient, kind, status, detail, remoteMta, how);
    }

    static Outcome of(Recipient r, SmtpReply reply, String remoteMta) {
        Kind kind = reply.positive() ? Kind.SENT : reply.transientFailure() ? Kind.DEFERRED : Kind.BOUNCED;
        return new Outcome(r, kind, reply.status(), reply.diagnostic(), remoteMta);
    }
}
