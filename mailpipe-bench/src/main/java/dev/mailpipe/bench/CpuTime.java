package dev.mailpipe.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time a process has used (user plus system, Linux /proc). Per message, it is the cost of a
 * stage whatever share of the shared cores it got, so it varies far less between runs than a rate.
 */
final class CpuTime {
    private CpuTime() {
    }

    /** Seconds of CPU used so far by process {@code pid}, all threads. */
    static double seconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
    private static final int TICKS_PER_SECOND = 100;
}
