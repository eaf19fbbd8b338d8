package dev.mailpipe.auth;

/** Line ends made CRLF, as SMTP sends them and DKIM signs and verifies them (RFC 5321 2.3.8). */
public final class CrlfLines {
    private CrlfLines() {
    }

    /**
     * The message with every line ending CRLF and a last line that has one: what DKIM signs. The
     * same array when it already is so (mail from the ingress nearly always is).
     */
    public static byte[] of(byte[] message) {
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
}
