package dev.mailpipe.ingress;

import java.util.Arrays;

/**
 * A message as it is received, in the one array that becomes the record's value: this server's
 * trace header first (written when DATA or the first BDAT begins, as Postfix writes its Received
 * field then), the client's text appended behind it. Sized for the declared SIZE when there is one,
 * so that the array usually needs no trimming: the message is held once from the socket to the
 * producer, not built again at its end.
 */
final class MessageBytes {
    private static final int INITIAL = 16 * 1024;

    private byte[] bytes;
    private int length;
    private final int prefixLength;

    /** {@code expected}: the client's declared SIZE, 0 when unknown. */
    MessageBytes(byte[] prefix, long expected) {
        long room = prefix.length + (expected > 0 ? expected : INITIAL);
        this.bytes = new byte[(int) Math.min(room, Integer.MAX_VALUE - 16)];
        System.arraycopy(prefix, 0, bytes, 0, prefix.length);
        this.length = prefix.length;
        this.prefixLength = prefix.length;
    }

    void append(byte[] src, int from, int n) {
        ensure(n);
        System.arraycopy(src, from, bytes, length, n);
        length += n;
    }

    void appendCrlf() {
        ensure(2);
        bytes[length++] = '\r';
        bytes[length++] = '\n';
    }

    /** Octets held, the trace header included. */
    int length() {
        return length;
    }

    /** Octets of the trace header this server put first. */
    int prefixLength() {
        return prefixLength;
    }

    /** The client's text alone, as a string (for tests and diagnostics). */
    String text() {
        return new String(bytes, prefixLength, length - prefixLength, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** The whole message, exactly its length: the array itself when it fits, as it does for a true SIZE. */
    byte[] array() {
        if (bytes.length != length) {
            bytes = Arrays.copyOf(bytes, length);
        }
        return bytes;
    }

    private void ensure(int n) {
        if (length + n > bytes.length) {
            long grown = Math.max((long) length + n, bytes.length + (long) (bytes.length >> 1));
            bytes = Arrays.copyOf(bytes, (int) Math.min(grown, Integer.MAX_VALUE - 16));
        }
    }
}
