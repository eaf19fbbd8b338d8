package dev.mailpipe.ingress;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.Recipient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** What one mail transaction (MAIL ... end of data, RFC 5321 3.3) has gathered so far. */
final class MailTransaction {
    /** The reverse path, {@code ""} for {@code <>}; null for a BDAT refused before any MAIL. */
    final String mailFrom;
    final EsmtpParameters.Mail parameters;
    final List<Recipient> recipients = new ArrayList<>();
    /** At most this many header fields a policy server may have put in front (PREPEND). */
    static final int MAX_PREPENDED = 10;
    /** Header fields the policy server asked for (PREPEND), added at the end of data. */
    final List<String> prepended = new ArrayList<>(0);
    /** The policy server said DISCARD: the client hears 250, nothing is queued. */
    boolean discarded;
    /** The policy server's {@code instance}: one per transaction. */
    String policyInstance;
    /** The milters' conversations about this transaction, once the first recipient reached them. */
    MilterRun milters;
    /** RCPTs past the recipient limit, answered 452 (RFC 5321 4.5.3.1.10). */
    int excessRecipients;

    /** The message's queue id and arrival, fixed when its text begins (the trace header names them). */
    String id;
    java.time.ZonedDateTime receivedAt;
    // RFC 3030 BDAT: the chunks so far, their size, and whether the last one has been announced.
    MessageBytes chunks;
    long chunkedSize;
    boolean lastChunk;
    /** The reply owed once a refused BDAT's octets have been read past. */
    Reply afterDiscardedChunk;

    MailTransaction(String mailFrom, EsmtpParameters.Mail parameters) {
        this.mailFrom = mailFrom;
        this.parameters = parameters;
    }

    /** The place holder a refused BDAT needs outside a transaction, to read past its octets. */
    static MailTransaction none() {
        return new MailTransaction(null, new EsmtpParameters.Mail(Envelope.BodyType.SEVEN_BIT, false, null, null));
    }

    /** The transaction is over, queued or not: conversations held open for it are closed. */
    void ended() {
        if (milters != null) {
            milters.end();
            milters = null;
        }
    }

    boolean smtpUtf8() {
        return parameters.smtpUtf8();
    }

    /** The envelope of the message this transaction queues, as the contract names its fields. */
    Envelope envelope(String id, Instant receivedAt, Envelope.Client client, long size) {
        return Envelope.received(id, receivedAt, client, mailFrom, List.copyOf(recipients), size)
                .withMailParameters(parameters.body(), parameters.smtpUtf8(), parameters.ret(), parameters.envid());
    }
}
