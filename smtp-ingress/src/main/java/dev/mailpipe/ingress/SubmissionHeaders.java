package dev.mailpipe.ingress;

import dev.mailpipe.model.MessageHeaders;
import java.time.ZonedDateTime;

/**
 * RFC 6409 8.2 and 8.3: a submission server may add the Date: and Message-ID: fields that the
 * client left out. Only the header section is read; the body is never touched.
 */
final class SubmissionHeaders {
    private SubmissionHeaders() {
    }

    /** The fields to add in front of the message (empty when it has both). */
    static String missing(byte[] message, String id, String hostname, ZonedDateTime now) {
        StringBuilder add = new StringBuilder();
        if (!MessageHeaders.has(message, "Date")) {
            add.append("Date: ").append(MessageHeaders.date(now)).append("\r\n");
        }
        if (!MessageHeaders.has(message, "Message-ID")) {
            add.append("Message-ID: <").append(id).append('@').append(hostname).append(">\r\n");
        }
        return add.toString();
    }
}
