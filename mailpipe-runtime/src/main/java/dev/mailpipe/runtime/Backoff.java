package dev.mailpipe.runtime;

import java.time.Duration;

/** Waits that double: the first {@code free} failures wait nothing, then {@code first}, twice that, ..., at most {@code max}. */
public record Backoff(int free, Duration first, Duration max) {
    /** The wait after the {@code failures}-th failure in a row. */
    public Duration after(int failures) {
        int over = failures - free;
        if (over <= 0) {
            return Duration.ZERO;
        }
        Duration d = first.multipliedBy(1L << Math.min(over - 1, 20));
        return d.compareTo(max) > 0 ? max : d;
    }
}
