package dev.mailpipe.model;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.Arrays;
import java.util.Locale;

/** The RFC 5322 header section of a message as the stages read it, and its date format. */
public final class MessageHeaders {
    /** RFC 5322 3.3 date-time, always in UTC ({@code Tue, 1 Dec 2026 12:00:00 +0000}). */
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);

    private MessageHeaders() {
    }

    /** The last second formatted: the ingress dates every message's Received field, many per second. */
    private record FormattedSecond(long second, String text) {
    }

    private static volatile FormattedSecond lastDate = new FormattedSecond(Long.MIN_VALUE, "");

    /**
     * {@code when} as an RFC 5322 date-time in UTC. The text depends only on the second, so each
     * second is formatted once (the formatter cost more than the rest of a Received field).
     */
    public static String date(TemporalAccessor when) {
        if (!when.isSupported(ChronoField.INSTANT_SECONDS)) {
            return DATE.format(when);
        }
        long second = when.getLong(ChronoField.INSTANT_SECONDS);
        FormattedSecond last = lastDate;
        if (last.second() != second) {
            last = new FormattedSecond(second, DATE.format(when));
            lastDate = last;
        }
        return last.text();
    }

    /**
     * The header fields, each with its line end, without the empty line that ends them. The section
     * ends at the first empty line, after CRLF or a bare LF (BDAT chunks are stored as sent); a
     * message without one is all header.
     */
    public static byte[] section(byte[] message) {
        if (message.length > 0 && (message[0] == '\n' || message[0] == '\r' && message.length > 1 && message[1] == '\n')) {
            return new byte[0];
        }
        for (int i = 0; i + 1 < message.length; i++) {
            if (message[i] != '\n') {
                continue;
            }
            if (message[i + 1] == '\n' || message[i + 1] == '\r' && i + 2 < message.length && message[i + 2] == '\n') {
                return Arrays.copyOf(message, i + 1);
            }
        }
        return message;
    }

    /** How many fields named {@code name} (in any case) the header section has. */
    public static int count(byte[] message, String name) {
        String head = new String(section(message), StandardCharsets.ISO_8859_1);
        String field = name + ":";
        int count = 0;
        for (int lineStart = 0; lineStart < head.length(); ) {
            if (head.regionMatches(true, lineStart, field, 0, field.length())) {
                count++;
            }
            int next = head.indexOf('\n', lineStart);
            if (next < 0) {
                break;
            }
            lineStart = next + 1;
        }
        return count;
    }

    /**
     * The first field named {@code name} (in any case), unfolded and trimmed, or null. Reads no
     * further than the header section.
     */
    public static String value(byte[] message, String name) {
        String head = new String(section(message), StandardCharsets.ISO_8859_1);
        String field = name + ":";
        for (int lineStart = 0; lineStart < head.length(); ) {
            int next = head.indexOf('\n', lineStart);
            if (head.regionMatches(true, lineStart, field, 0, field.length())) {
                StringBuilder v = new StringBuilder(head.substring(lineStart + field.length(), next < 0 ? head.length() : next));
                // Continuation lines (RFC 5322 2.2.3) start with white space.
                while (next >= 0 && next + 1 < head.length() && (head.charAt(next + 1) == ' ' || head.charAt(next + 1) == '\t')) {
                    int end = head.indexOf('\n', next + 1);
                    v.append(head, next + 1, end < 0 ? head.length() : end);
                    next = end;
                }
                for (int i = v.length() - 1; i >= 0; i--) {
                    if (v.charAt(i) == '\r' || v.charAt(i) == '\n') {
                        v.deleteCharAt(i);
                    }
                }
                return v.toString().trim();
            }
            if (next < 0) {
                break;
            }
            lineStart = next + 1;
        }
        return null;
    }

    /**
     * Whether the header section of {@code message} has more than {@code max} fields (a line that
     * does not begin with white space starts one). One pass, stopping at the limit or at the empty
     * line, with no copy: the question is asked of every message before anything parses its header.
     */
    public static boolean moreFieldsThan(byte[] message, int from, int max) {
        int fields = 0;
        for (int i = from; i < message.length; ) {
            byte b = message[i];
            if (b == '\r' && i + 1 < message.length && message[i + 1] == '\n' || b == '\n') {
                return false; // the empty line: the header has ended
            }
            if (b != ' ' && b != '\t' && ++fields > max) {
                return true;
            }
            int lf = i;
            while (lf < message.length && message[lf] != '\n') {
                lf++;
            }
            i = lf + 1;
        }
        return false;
    }

    public static boolean has(byte[] message, String name) {
        return count(message, name) > 0;
    }
}
