package dev.mailpipe.auth;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The header fields of a message whose lines all end in CRLF, each as the exact bytes it has
 * (continuation lines included, its final CRLF not), and where the body starts. What DKIM signs and
 * what the 7-bit conversion rewrites are these bytes, never a decoded copy.
 */
public final class HeaderFields {
    /** One field: its name as written, and its bytes from the name to the end of its last line. */
    public record Field(String name, byte[] raw) {
        public boolean is(String other) {
            return name.equalsIgnoreCase(other);
        }

        /** The value after the colon, unfolded and trimmed, read as ISO-8859-1 (bytes kept one to one). */
        public String value() {
            String s = new String(raw, StandardCharsets.ISO_8859_1);
            return s.substring(s.indexOf(':') + 1).replace("\r\n", "").trim();
        }
    }

    public final List<Field> fields;
    /** Offset of the body: just after the empty line, or the message's length when there is none. */
    public final int bodyStart;

    private HeaderFields(List<Field> fields, int bodyStart) {
        this.fields = fields;
        this.bodyStart = bodyStart;
    }

    public static HeaderFields of(byte[] m) {
        return of(m, 0, m.length);
    }

    /** The fields of the entity in {@code m[from, to)}. */
    public static HeaderFields of(byte[] m, int from, int to) {
        List<Field> fields = new ArrayList<>();
        int i = from;
        while (i < to) {
            if (m[i] == '\r' && i + 1 < to && m[i + 1] == '\n') {
                return new HeaderFields(fields, i + 2);
            }
            int start = i;
            int end = lineEnd(m, i, to);
            // Continuation lines start with white space (RFC 5322 2.2.3).
            while (end + 2 < to && (m[end + 2] == ' ' || m[end + 2] == '\t')) {
                end = lineEnd(m, end + 2, to);
            }
            int colon = start;
            while (colon < end && m[colon] != ':') {
                colon++;
            }
            fields.add(new Field(new String(m, start, colon - start, StandardCharsets.ISO_8859_1).trim(),
                    java.util.Arrays.copyOfRange(m, start, end)));
            i = Math.min(to, end + 2);
        }
        return new HeaderFields(fields, to);
    }

    /** The index of the CR of the line starting at {@code i}, or {@code to} when the line has no end. */
    private static int lineEnd(byte[] m, int i, int to) {
        while (i < to && !(m[i] == '\r' && i + 1 < to && m[i + 1] == '\n')) {
            i++;
        }
        return i;
    }

    /** The {@code n}th field of that name counted from the bottom (1 is the last), or null. */
    public Field nthFromBottom(String name, int n) {
        for (int i = fields.size() - 1; i >= 0; i--) {
            if (fields.get(i).is(name) && --n == 0) {
                return fields.get(i);
            }
        }
        return null;
    }

    /** The first field of that name, or null. */
    public Field first(String name) {
        for (Field f : fields) {
            if (f.is(name)) {
                return f;
            }
        }
        return null;
    }

    public int count(String name) {
        int n = 0;
        for (Field f : fields) {
            if (f.is(name)) {
                n++;
            }
        }
        return n;
    }

    /**
     * The domain of the first address in From (RFC 5322 3.6.2), lower case, or null when there is
     * no From or no address in it: the domain a signature speaks for, and DMARC aligns with.
     */
    public String fromDomain() {
        Field from = first("From");
        if (from == null) {
            return null;
        }
        String v = from.value();
        int lt = v.indexOf('<');
        String addr = lt >= 0 && v.indexOf('>', lt) > lt ? v.substring(lt + 1, v.indexOf('>', lt)) : v.split(",", 2)[0];
        int at = addr.lastIndexOf('@');
        if (at < 0) {
            return null;
        }
        String domain = addr.substring(at + 1).trim();
        // A trailing comment, "(Alice)", or a group's ";".
        domain = domain.split("[\\s();,]", 2)[0];
        return domain.isEmpty() ? null : domain.toLowerCase(Locale.ROOT);
    }
}
