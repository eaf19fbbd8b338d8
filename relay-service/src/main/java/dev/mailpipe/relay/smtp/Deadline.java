package dev.mailpipe.relay.smtp;

import java.time.Duration;

/** The end of one delivery's time budget; every wait of that delivery is cut to what is left of it. */
public record Deadline(long nanos, Duration budget) {
    public static Deadline after(Duration budget) {
        return new Deadline(System.nanoTime() + budget.toNanos(), budget);
    }

    /** As good as none: a connection before any delivery has set its own. */
    static Deadline none() {
        return after(Duration.ofDays(365));
    }

    Duration left() {
        long n = nanos - System.nanoTime();
        return n <= 0 ? Duration.ZERO : Duration.ofNanos(n);
    }

    public boolean passed() {
        return left().isZero();
    }

    /** {@code wait}, or what is left of the budget if that is less. */
    Duration cap(Duration wait) {
        Duration left = left();
        return wait.compareTo(left) <= 0 ? wait : left;
    }
}
