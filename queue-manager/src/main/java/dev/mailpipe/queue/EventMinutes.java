package dev.mailpipe.queue;

import dev.mailpipe.model.Bytes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Events per minute over the last hour, by type, as the console graphs them: counted from
 * {@code mail.events} as the trace index follows it, by each record's own timestamp. The value is
 * not parsed: its {@code "type":"..."} is found by bytes, the one field this needs.
 */
final class EventMinutes {
    /** The types graphed: accepted (received), delivered, relayed, deferred, bounced. */
    static final List<String> TYPES = List.of("received", "delivered", "relayed", "deferred", "bounced");
    static final int MINUTES = 60;
    private static final byte[] TYPE = "\"type\":\"".getBytes(StandardCharsets.US_ASCII);

    private final long[] minuteOf = new long[MINUTES];
    private final long[][] counts = new long[MINUTES][TYPES.size()];

    /** One event written at {@code timestampMillis}. */
    synchronized void count(long timestampMillis, byte[] value) {
        int type = value == null ? -1 : typeOf(value);
        if (type < 0) {
            return;
        }
        long minute = timestampMillis / 60_000;
        int slot = (int) (minute % MINUTES);
        if (minuteOf[slot] != minute) {
            if (minuteOf[slot] > minute) {
                return; // older than the hour kept
            }
            minuteOf[slot] = minute;
            java.util.Arrays.fill(counts[slot], 0);
        }
        counts[slot][type]++;
    }

    synchronized void clear() {
        java.util.Arrays.fill(minuteOf, 0);
        for (long[] c : counts) {
            java.util.Arrays.fill(c, 0);
        }
    }

    /** A point per minute of the last hour up to {@code nowMillis}'s minute, oldest first. */
    record Minute(long startMillis, long[] counts) {
    }

    synchronized List<Minute> lastHour(long nowMillis) {
        long now = nowMillis / 60_000;
        List<Minute> out = new ArrayList<>(MINUTES);
        for (long m = now - MINUTES + 1; m <= now; m++) {
            int slot = (int) (m % MINUTES);
            out.add(new Minute(m * 60_000, minuteOf[slot] == m ? counts[slot].clone() : new long[TYPES.size()]));
        }
        return out;
    }

    /** The index in {@link #TYPES} of the event's type, or -1 for one not graphed. */
    private static int typeOf(byte[] value) {
        int at = Bytes.indexOf(value, TYPE);
        if (at < 0) {
            return -1;
        }
        int from = at + TYPE.length;
        int end = from;
        while (end < value.length && value[end] != '"' && end - from < 32) {
            end++;
        }
        String type = new String(value, from, end - from, StandardCharsets.US_ASCII);
        return TYPES.indexOf(type);
    }
}
