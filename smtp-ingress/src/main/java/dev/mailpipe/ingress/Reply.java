package dev.mailpipe.ingress;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * An SMTP reply: a three-digit code, an RFC 3463 enhanced status code (absent for greetings and
 * EHLO, as RFC 2034 says) and one or more text lines.
 */
public record Reply(int code, String status, List<String> lines) {

    public static Reply of(int code, String status, String text) {
        return new Reply(code, status, List.of(text));
    }

    /** A reply without an enhanced status code (220 greeting, EHLO lines, 221 on close). */
    public static Reply plain(int code, String... lines) {
        return new Reply(code, null, List.of(lines));
    }

    /** RFC 5321 3.8: the server is stopping; the client should come back (to another replica). */
    public static Reply shuttingDown(String hostname) {
        return of(421, "4.3.2", hostname + " Service shutting down, closing transmission channel");
    }

    public boolean isError() {
        return code >= 400;
    }

    /** Whether the session ends after this reply. */
    public boolean closes() {
        return code == 421 || code == 221;
    }

    /** The wire form: {@code 250-first}, ..., {@code 250 last}, each line CRLF-terminated. */
    public Buffer toBuffer() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            sb.append(code).append(i == lines.size() - 1 ? ' ' : '-');
            if (status != null) {
                sb.append(status).append(' ');
            }
            sb.append(lines.get(i)).append("\r\n");
        }
        return Buffer.buffer(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return code + (status == null ? "" : " " + status) + " " + String.join(" / ", lines);
    }
}
