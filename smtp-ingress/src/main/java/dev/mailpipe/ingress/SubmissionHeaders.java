package dev.mailpipe.ingress;

import dev.mailpipe.model.MessageHeaders;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;

/**
 * RFC 6409 8.2 and 8.3: a submission server may add the Date: and Message-ID: fields that the
 * client left out. Only the header section is read; the body is never touched.
 */
final class SubmissionHeaders implements SessionHooks.Data {
    private final String hostname;

    SubmissionHeaders(String hostname) {
        this.hostname = hostname;
    }

    /** The missing fields go below this server's Received field. */
    @Override
    public Future<HookResult> data(SessionView session, MailTransaction transaction, IncomingMessage message) {
        message.addFieldsBelowTrace(missing(message.bytes(), transaction.id, hostname, transaction.receivedAt)
                .getBytes(StandardCharsets.UTF_8));
        return HookResult.NEXT_NOW;
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
