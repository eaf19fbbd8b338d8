package dev.mailpipe.relay.smtp;

import dev.mailpipe.auth.HeaderFields;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.codec.Base64OutputStream;
import org.apache.james.mime4j.codec.QuotedPrintableOutputStream;
import org.apache.james.mime4j.dom.field.ContentTypeField;
import org.apache.james.mime4j.field.DefaultFieldParser;

/**
 * RFC 6152 3: a message declared 8BITMIME going to a server that does not offer it is converted
 * to 7 bits first, as Postfix's smtp client does: every MIME part whose body has 8-bit octets gets
 * quoted-printable (text) or base64 (anything else) and a matching Content-Transfer-Encoding;
 * multiparts and message/rfc822 parts are walked, everything else is kept byte for byte. The input's
 * lines end in CRLF, and so do the output's; it is converted before it is signed, never after.
 */
public final class SevenBitConversion {
    private SevenBitConversion() {
    }

    /** Whether any octet of {@code m} has its high bit set. */
    public static boolean hasEightBit(byte[] m) {
        return eightBit(m, 0, m.length);
    }

    public static byte[] convert(byte[] m) {
        if (!hasEightBit(m)) {
            return m;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(m.length + m.length / 3);
        entity(m, 0, m.length, true, out);
        return out.toByteArray();
    }

    private static void entity(byte[] m, int from, int to, boolean top, ByteArrayOutputStream out) {
        if (!eightBit(m, from, to)) {
            out.write(m, from, to - from);
            return;
        }
        HeaderFields head = HeaderFields.of(m, from, to);
        ContentTypeField type = contentType(head);
        String mime = type == null ? "text/plain" : type.getMimeType().toLowerCase(Locale.ROOT);
        if (type != null && type.isMultipart() && type.getBoundary() != null) {
            out.write(m, from, head.bodyStart - from);
            multipart(m, head.bodyStart, to, type.getBoundary().getBytes(StandardCharsets.ISO_8859_1), out);
            return;
        }
        if (mime.equals("message/rfc822") || mime.equals("message/global")) {
            out.write(m, from, head.bodyStart - from);
            entity(m, head.bodyStart, to, false, out);
            return;
        }
        boolean text = mime.startsWith("text/");
        // This part's own fields, without its old transfer encoding; a top-level message without
        // MIME gets what makes it one (RFC 2045 4: MIME-Version; 5.2: text/plain is the default).
        for (HeaderFields.Field f : head.fields) {
            if (!f.is("Content-Transfer-Encoding")) {
                out.writeBytes(f.raw());
                out.writeBytes(CRLF);
            }
        }
        if (top && head.first("MIME-Version") == null) {
            out.writeBytes("MIME-Version: 1.0\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        if (type == null) {
            // RFC 1428: 8-bit text of no declared charset.
            out.writeBytes("Content-Type: text/plain; charset=unknown-8bit\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes(("Content-Transfer-Encoding: " + (text ? "quoted-printable" : "base64") + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        try (OutputStream enc = text ? new QuotedPrintableOutputStream(new NoClose(out), false) : new Base64OutputStream(new NoClose(out))) {
            enc.write(m, head.bodyStart, to - head.bodyStart);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * RFC 2046 5.1.1: the preamble, then each part between delimiter lines, then the epilogue. A
     * delimiter is CRLF "--" boundary at the start of a line; the CRLF before it belongs to it.
     */
    private static void multipart(byte[] m, int from, int to, byte[] boundary, ByteArrayOutputStream out) {
        int line = from;
        int partStart = -1;
        while (line < to) {
            int end = line;
            while (end < to && !(m[end] == '\r' && end + 1 < to && m[end + 1] == '\n')) {
                end++;
            }
            int next = Math.min(to, end + 2);
            if (delimiter(m, line, end, boundary)) {
                boolean close = end - line >= boundary.length + 4 && m[line + 2 + boundary.length] == '-'
                        && m[line + 3 + boundary.length] == '-';
                if (partStart < 0) {
                    out.write(m, from, line - from);
                } else {
                    // The part ends before the CRLF that precedes the delimiter line.
                    int partEnd = Math.max(partStart, line - 2);
                    entity(m, partStart, partEnd, false, out);
                    out.writeBytes(partEnd < line ? CRLF : new byte[0]);
                }
                out.write(m, line, next - line);
                if (close) {
                    out.write(m, next, to - next);
                    return;
                }
                partStart = next;
            }
            line = next;
        }
        // No closing delimiter: what is left is the last part.
        if (partStart < 0) {
            out.write(m, from, to - from);
        } else {
            entity(m, partStart, to, false, out);
        }
    }

    private static boolean delimiter(byte[] m, int line, int end, byte[] boundary) {
        if (end - line < boundary.length + 2 || m[line] != '-' || m[line + 1] != '-') {
            return false;
        }
        for (int i = 0; i < boundary.length; i++) {
            if (m[line + 2 + i] != boundary[i]) {
                return false;
            }
        }
        return true;
    }

    private static ContentTypeField contentType(HeaderFields head) {
        HeaderFields.Field f = head.first("Content-Type");
        if (f == null) {
            return null;
        }
        try {
            return DefaultFieldParser.parse(new String(f.raw(), StandardCharsets.ISO_8859_1)) instanceof ContentTypeField c ? c : null;
        } catch (MimeException e) {
            return null;
        }
    }

    private static boolean eightBit(byte[] m, int from, int to) {
        for (int i = from; i < to; i++) {
            if (m[i] < 0) {
                return true;
            }
        }
        return false;
    }

    private static final byte[] CRLF = {'\r', '\n'};

    /** The encoders close their stream when done; the buffer they write into stays open. */
    private static final class NoClose extends java.io.FilterOutputStream {
        NoClose(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() {
        }
    }
}
