package dev.mailpipe.runtime;

import java.time.Duration;

/** Durations as an operator reads them in a listing: 45s, 12m, 5h, 3d. */
public final class HumanTime {
    private HumanTime() {
    }

    /** The largest unit that keeps two digits or fewer for common ages (seconds under 2 minutes...). */
    public static String span(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 120) {
            return s + "s";
        }
        if (s < 7200) {
            return s / 60 + "m";
        }
        if (s < 172_800) {
            return s / 3600 + "h";
        }
        return s / 86_400 + "d";
    }
}
