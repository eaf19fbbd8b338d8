package dev.mailpipe.relay.smtp;

import io.vertx.core.buffer.Buffer;

/**
 * Turns a stored message into DATA content: every line ending becomes CRLF (a bare CR or LF is never
 * sent, so no peer can read an end-of-data we did not mean), lines starting with "." are
 * dot-stuffed (RFC 5321 4.5.2), and the terminating CRLF.CRLF is appended.
 *
 * <p>Each line is copied whole: appended a byte at a time, the encoding was an eighth of the relay's
 * event loop (docs/performance.md).
 */
final class MessageEncoder {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] END = {'.', '\r', '\n'};

    private MessageEncoder() {
    }

    static Buffer dataContent(byte[] message) {
        Buffer out = Buffer.buffer(message.length + message.length / 50 + 8);
        int n = message.length;
        int start = 0;
        while (start < n) {
            if (message[start] == '.') {
                out.appendByte((byte) '.');
            }
            int end = start;
            while (end < n && message[end] != '\r' && message[end] != '\n') {
                end++;
            }
            out.appendBytes(message, start, end - start).appendBytes(CRLF);
            if (end < n) {
                end += message[end] == '\r' && end + 1 < n && message[end + 1] == '\n' ? 2 : 1;
            }
            start = end;
        }
        return out.appendBytes(END);
    }
}
