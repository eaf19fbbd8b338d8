package dev.mailpipe.scan;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * Changes to a message's header section that a content filter asks for: fields removed by name (all
 * of them, or the n-th), the Subject replaced. Only the header section is read and rebuilt; the body
 * is copied as it is. Field lines keep their folding.
 */
public final class HeaderEdits {
    private HeaderEdits() {
    }

    /**
     * {@code message} without the fields named in {@code remove} (0 for every one of that name, n
     * for the n-th) and with its Subject's value {@code subject} when that is not null (a Subject
     * added after the trace field when there was none). {@code keep} octets at the start (this
     * server's own fields) are never touched.
     */
    public static byte[] apply(byte[] message, int keep, Map<String, Integer> remove, String subject) {
        int headerEnd = headerEnd(message, keep);
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length + 64);
        out.write(message, 0, keep);
        Map<String, Integer> seen = new java.util.HashMap<>();
        boolean subjectDone = false;
        int i = keep;
        while (i < headerEnd) {
            int end = fieldEnd(message, i, headerEnd);
            String name = fieldName(message, i, end);
            boolean drop = false;
            if (name != null) {
                String key = name.toLowerCase(Locale.ROOT);
                int n = seen.merge(key, 1, Integer::sum);
                for (Map.Entry<String, Integer> r : remove.entrySet()) {
                    if (r.getKey().equalsIgnoreCase(name) && (r.getValue() == 0 || r.getValue() == n)) {
                        drop = true;
                    }
                }
                if (!drop && subject != null && key.equals("subject") && !subjectDone) {
                    out.writeBytes(("Subject: " + subject + "\r\n").getBytes(StandardCharsets.UTF_8));
                    subjectDone = true;
                    drop = true;
                }
            }
            if (!drop) {
                out.write(message, i, end - i);
            }
            i = end;
        }
        if (subject != null && !subjectDone) {
            out.writeBytes(("Subject: " + subject + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        out.write(message, headerEnd, message.length - headerEnd);
        return out.toByteArray();
    }

    /** Where the header section ends: at the empty line (its CRLF included in the body part), or the end. */
    public static int headerEnd(byte[] m, int from) {
        for (int i = from; i + 1 < m.length; i++) {
            if (m[i] == '\r' && m[i + 1] == '\n' && (i == from || m[i - 1] == '\n')) {
                return i;
            }
        }
        return m.length;
    }

    /** The end of the field starting at {@code from}: past its CRLF and every folded continuation line. */
    public static int fieldEnd(byte[] m, int from, int limit) {
        int i = from;
        while (i < limit) {
            while (i < limit && m[i] != '\n') {
                i++;
            }
            i = Math.min(limit, i + 1);
            if (i >= limit || (m[i] != ' ' && m[i] != '\t')) {
                return i;
            }
        }
        return limit;
    }

    public static String fieldName(byte[] m, int from, int end) {
        for (int i = from; i < end; i++) {
            if (m[i] == ':') {
                return new String(m, from, i - from, StandardCharsets.US_ASCII).trim();
            }
            if (m[i] == '\r' || m[i] == '\n') {
                return null;
            }
        }
        return null;
    }
}
