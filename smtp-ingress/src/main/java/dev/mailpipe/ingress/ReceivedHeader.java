package dev.mailpipe.ingress;

import dev.mailpipe.model.MessageHeaders;
import java.time.ZonedDateTime;

/** The trace header of RFC 5321 4.4, with the protocol names of RFC 3848. */
final class ReceivedHeader {

    private ReceivedHeader() {
    }

    /**
     * @param forRecipient named in a {@code for} clause only when the message has one recipient, so
     *     that Bcc recipients are not disclosed to each other
     */
    static String build(String helo, String clientIp, String byHost, boolean esmtp, boolean tls, boolean auth,
            boolean utf8, String id, String forRecipient, ZonedDateTime when) {
        String protocol = (utf8 ? "UTF8SMTP" : esmtp ? "ESMTP" : "SMTP") + (tls ? "S" : "") + (auth ? "A" : "");
        if (!esmtp && !utf8 && (tls || auth)) {
            protocol = "ESMTP" + (tls ? "S" : "") + (auth ? "A" : "");
        }
        StringBuilder h = new StringBuilder("Received: from ").append(clean(helo))
                .append(" ([").append(clientIp).append("])\r\n")
                .append("\tby ").append(byHost).append(" (mailpipe) with ").append(protocol)
                .append(" id ").append(id);
        if (forRecipient != null) {
            h.append("\r\n\tfor <").append(clean(forRecipient)).append('>');
        }
        return h.append("; ").append(MessageHeaders.date(when)).append("\r\n").toString();
    }

    /** Keeps what the client said from breaking the header: no controls (PeerText), no bare parentheses. */
    private static String clean(String s) {
        return dev.mailpipe.model.PeerText.oneLine(s).replace('(', '?').replace(')', '?');
    }
}
