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

    /**
     * The message with every line ending CRLF and a last line that has one: what DKIM signs. The
     * same array when it already is so (mail from the ingress nearly always is).
     */
    static byte[] crlfLines(byte[] message) {
        boolean clean = message.length == 0 || message.length >= 2 && message[message.length - 2] == '\r'
                && message[message.length - 1] == '\n';
        for (int i = 0; clean && i < message.length; i++) {
            byte b = message[i];
            if (b == '\r' ? i + 1 >= message.length || message[i + 1] != '\n' : b == '\n' && (i == 0 || message[i - 1] != '\r')) {
                clean = false;
            }
        }
        if (clean) {
            return message;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(message.length + 64);
        int i = 0;
        while (i < message.length) {
            byte b = message[i];
            if (b == '\r' || b == '\n') {
                out.write('\r');
                out.write('\n');
                i += b == '\r' && i + 1 < message.length && message[i + 1] == '\n' ? 2 : 1;
            } else {
                out.write(b);
                i++;
            }
        }
        if (message.length > 0 && message[message.length - 1] != '\n' && message[message.length - 1] != '\r') {
            out.write('\r');
            out.write('\n');
        }
        return out.toByteArray();
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
