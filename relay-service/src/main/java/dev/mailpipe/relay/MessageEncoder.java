package dev.mailpipe.relay;

import io.vertx.core.buffer.Buffer;

/**
 * Turns a stored message into DATA content: every line ending becomes CRLF (a bare CR or LF is never
 * sent, so no peer can read an end-of-data we did not mean), lines starting with "." are
 * dot-stuffed (RFC 5321 4.5.2), and the terminating CRLF.CRLF is appended.
 */
final class MessageEncoder {
    private MessageEncoder() {
    }

    static Buffer dataContent(byte[] message) {
        Buffer out = Buffer.buffer(message.length + message.length / 50 + 8);
        boolean lineStart = true;
        int i = 0;
        while (i < message.length) {
            byte b = message[i];
            if (b == '\r' || b == '\n') {
                out.appendByte((byte) '\r').appendByte((byte) '\n');
                i += b == '\r' && i + 1 < message.length && message[i + 1] == '\n' ? 2 : 1;
                lineStart = true;
                continue;
            }
            if (lineStart && b == '.') {
                out.appendByte((byte) '.');
            }
            out.appendByte(b);
            lineStart = false;
            i++;
        }
        if (!lineStart) {
            out.appendByte((byte) '\r').appendByte((byte) '\n');
        }
        return out.appendString(".\r\n");
    }
}
