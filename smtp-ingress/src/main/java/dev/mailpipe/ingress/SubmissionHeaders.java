package dev.mailpipe.ingress;

import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * RFC 6409 8.2 and 8.3: a submission server may add the Date: and Message-ID: fields that the
 * client left out. Only the header section is read; the body is never touched.
 */
final class SubmissionHeaders {
    private static final DateTimeFormatter RFC5322 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    private SubmissionHeaders() {
    }

    /** The fields to add in front of the message (empty when it has both). */
    static String missing(byte[] message, String id, String hostname, ZonedDateTime now) {
        String head = headerSection(message).toLowerCase(Locale.ROOT);
        StringBuilder add = new StringBuilder();
        if (!hasField(head, "date")) {
            add.append("Date: ").append(RFC5322.format(now)).append("\r\n");
        }
        if (!hasField(head, "message-id")) {
            add.append("Message-ID: <").append(id).append('@').append(hostname).append(">\r\n");
        }
        return add.toString();
    }

    private static boolean hasField(String head, String name) {
        return head.startsWith(name + ":") || head.contains("\n" + name + ":");
    }

    private static String headerSection(byte[] m) {
        int end = m.length;
        for (int i = 0; i + 1 < m.length; i++) {
            if (m[i] == '\n' && (m[i + 1] == '\n' || (m[i + 1] == '\r' && i + 2 < m.length && m[i + 2] == '\n'))) {
                end = i;
                break;
            }
        }
        if (m.length > 0 && (m[0] == '\r' || m[0] == '\n')) {
            end = 0;
        }
        return new String(m, 0, end, StandardCharsets.ISO_8859_1);
    }
}
