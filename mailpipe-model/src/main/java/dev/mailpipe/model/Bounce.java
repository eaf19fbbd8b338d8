package dev.mailpipe.model;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * The delivery status notification (RFC 3464, in an RFC 6522 multipart/report) that tells a sender
 * which recipients of a message failed and why. It is new mail from the null sender {@code <>},
 * addressed to the original envelope sender; it enters the pipeline at {@code mail.notices} and is
 * routed like any other message. Mail from {@code <>} never gets one, so bounces cannot loop.
 */
public final class Bounce {

    /**
     * One recipient that failed.
     *
     * @param status the RFC 3463 status, e.g. {@code 5.1.1}
     * @param diagnostic the remote's reply or our own reason, e.g. {@code smtp; 550 5.1.1 unknown user}
     * @param remoteMta the host that refused it, or null when we decided ourselves
     */
    public record Failure(Recipient recipient, String status, String diagnostic, String remoteMta) {
    }

    /** A DSN ready for {@code mail.notices}: its envelope and its RFC 5322 text. */
    public record Notice(Envelope envelope, byte[] message) {
    }

    private Bounce() {
    }

    /**
     * The DSN for these failures, or empty when none is owed: the message came from {@code <>}, or
     * every failed recipient asked for no failure notice (RFC 3461 NOTIFY without FAILURE).
     */
    public static Optional<Notice> of(Envelope original, byte[] originalMessage, List<Failure> failures,
            String reportingMta, Instant now) {
        return report(original, originalMessage, failures, reportingMta, now, false);
    }

    /**
     * A delay warning: the message is still being retried for these recipients. Sent for recipients
     * that asked for DELAY notices or did not say (RFC 3461 4.1), with the headers only.
     */
    public static Optional<Notice> delayed(Envelope original, byte[] originalMessage, List<Failure> delays,
            String reportingMta, Instant now) {
        return report(original, originalMessage, delays, reportingMta, now, true);
    }

    private static Optional<Notice> report(Envelope original, byte[] originalMessage, List<Failure> failures,
            String reportingMta, Instant now, boolean delayed) {
        if (original.hasNullSender()) {
            return Optional.empty();
        }
        List<Failure> owed = new ArrayList<>();
        for (Failure f : failures) {
            String notify = f.recipient().notifyOn().orElse("FAILURE,DELAY").toUpperCase(Locale.ROOT);
            if (notify.contains(delayed ? "DELAY" : "FAILURE")) {
                owed.add(f);
            }
        }
        if (owed.isEmpty()) {
            return Optional.empty();
        }
        String id = original.id() + "-dsn-" + UUID.randomUUID().toString().substring(0, 8);
        String boundary = "mailpipe-" + UUID.randomUUID();
        boolean headersOnly = delayed || original.ret().orElse(Envelope.Ret.FULL) == Envelope.Ret.HDRS;
        StringBuilder m = new StringBuilder();
        m.append("From: Mail Delivery System <MAILER-DAEMON@").append(reportingMta).append(">\r\n");
        m.append("To: <").append(original.mailFrom()).append(">\r\n");
        m.append("Subject: ").append(delayed ? "Delayed Mail (still being retried)" : "Undelivered Mail Returned to Sender")
                .append("\r\n");
        m.append("Date: ").append(MessageHeaders.date(now)).append("\r\n");
        m.append("Message-ID: <").append(id).append('@').append(reportingMta).append(">\r\n");
        m.append("Auto-Submitted: auto-replied\r\n");
        m.append("MIME-Version: 1.0\r\n");
        m.append("Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"")
                .append(boundary).append("\"\r\n\r\n");
        m.append("This is a MIME-encapsulated message.\r\n\r\n");

        m.append("--").append(boundary).append("\r\n");
        m.append("Content-Type: text/plain; charset=utf-8\r\n\r\n");
        m.append("This is the mail system at host ").append(reportingMta).append(".\r\n\r\n");
        m.append(delayed ? "Your message could not be delivered yet; it is still being retried.\r\n\r\n"
                : "Your message could not be delivered to one or more recipients.\r\n\r\n");
        for (Failure f : owed) {
            m.append("<").append(f.recipient().address()).append(">: ").append(oneLine(f.diagnostic())).append("\r\n");
        }
        m.append("\r\n--").append(boundary).append("\r\n");
        m.append("Content-Type: message/delivery-status\r\n\r\n");
        m.append("Reporting-MTA: dns; ").append(reportingMta).append("\r\n");
        original.envid().ifPresent(e -> m.append("Original-Envelope-Id: ").append(e).append("\r\n"));
        m.append("X-Mailpipe-Queue-ID: ").append(original.id()).append("\r\n");
        m.append("Arrival-Date: ").append(MessageHeaders.date(original.receivedAt())).append("\r\n");
        for (Failure f : owed) {
            m.append("\r\n");
            m.append("Final-Recipient: rfc822; ").append(f.recipient().address()).append("\r\n");
            f.recipient().orcpt().ifPresent(o -> m.append("Original-Recipient: ").append(o).append("\r\n"));
            m.append(delayed ? "Action: delayed\r\n" : "Action: failed\r\n");
            m.append("Status: ").append(f.status()).append("\r\n");
            if (f.remoteMta() != null) {
                m.append("Remote-MTA: dns; ").append(f.remoteMta()).append("\r\n");
            }
            m.append("Diagnostic-Code: ").append(oneLine(f.diagnostic())).append("\r\n");
        }
        m.append("\r\n--").append(boundary).append("\r\n");
        byte[] returned;
        if (headersOnly) {
            m.append("Content-Type: text/rfc822-headers\r\n\r\n");
            returned = MessageHeaders.section(originalMessage);
        } else {
            m.append("Content-Type: message/rfc822\r\n\r\n");
            returned = originalMessage;
        }
        byte[] head = m.toString().getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[head.length + returned.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(returned, 0, all, head.length, returned.length);
        System.arraycopy(tail, 0, all, head.length + returned.length, tail.length);

        Envelope envelope = Envelope.received(id, now, new Envelope.Client("127.0.0.1", reportingMta, false, null),
                "", List.of(Recipient.of(original.mailFrom(), null, "NEVER")), all.length);
        return Optional.of(new Notice(envelope, all));
    }

    /** A remote server's words, one line and no controls, whatever it sent (PeerText). */
    private static String oneLine(String s) {
        return PeerText.oneLine(s.replace("\r", " ").replace("\n", " "));
    }
}
