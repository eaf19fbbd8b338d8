package dev.mailpipe.ingress;

import java.security.SecureRandom;
import java.util.Locale;

/**
 * Queue ids: time-ordered, unique without coordination between ingress replicas, short enough to
 * read in a log line ({@code 0192f1c3a5e7-4b9d2c7e1f0a}, milliseconds then 48 random bits).
 */
final class MessageIds {
    private static final SecureRandom RANDOM = new SecureRandom();

    private MessageIds() {
    }

    static String next() {
        long random = RANDOM.nextLong() & 0xffff_ffff_ffffL;
        return String.format(Locale.ROOT, "%012x-%012x", System.currentTimeMillis(), random);
    }
}
