package dev.mailpipe.ingress;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Queue ids: time-ordered, unique without coordination between ingress replicas, short enough to
 * read in a log line ({@code 0192f1c3a5e7-4b9d2c7e1f0a}, milliseconds then 48 random bits). The
 * random part needs to be unpredictable to nobody, only unlikely to repeat within a millisecond.
 */
final class MessageIds {
    private MessageIds() {
    }

    static String next() {
        long random = ThreadLocalRandom.current().nextLong() & 0xffff_ffff_ffffL;
        char[] id = new char[25];
        hex(System.currentTimeMillis(), id, 0);
        id[12] = '-';
        hex(random, id, 13);
        return new String(id);
    }

    private static void hex(long value, char[] out, int at) {
        for (int i = 11; i >= 0; i--) {
            out[at + i] = Character.forDigit((int) (value & 0xf), 16);
            value >>>= 4;
        }
    }
}
