package dev.mailpipe.relay;

import dev.mailpipe.model.Recipient;

/** What became of one recipient on one attempt. */
record Outcome(Recipient recipient, Kind kind, String status, String detail, String remoteMta) {
    enum Kind { SENT, DEFERRED, BOUNCED }

    static Outcome of(Recipient r, SmtpReply reply, String remoteMta) {
        Kind kind = reply.positive() ? Kind.SENT : reply.transientFailure() ? Kind.DEFERRED : Kind.BOUNCED;
        return new Outcome(r, kind, reply.status(), reply.diagnostic(), remoteMta);
    }
}
