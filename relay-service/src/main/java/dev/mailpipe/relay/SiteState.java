package dev.mailpipe.relay;

import dev.mailpipe.relay.shaping.RateLimit;
import dev.mailpipe.relay.shaping.Shaping;

/**
 * What the relay knows of one destination site: its window (the transfers it may have at once, as
 * learned, up to its shaping limit), the transfers under way, its rate, and whether it is out of
 * use for now: dead (it stopped answering) or suspended (it asked us to stop), or slowed (it asked
 * us to slow down). Guarded by the {@link SiteLimiter}'s lock.
 */
final class SiteState {
    /** The most transfers at once, from the shaping file or the relay's setting. */
    final double maxWindow;
    final RateLimit rate;
    /** New connections per minute (the shaping file's {@code connections-per-minute}). */
    final RateLimit connectionRate;
    /** Bounces and delay warnings to the site (the shaping file's {@code notices}), or null for no rate of their own. */
    final RateLimit noticeRate;
    double window;
    int active;
    /** Deliveries in a row that no server of the site answered. */
    int unreachable;
    /** Until when (clock millis) the site is out of use, and why; 0 when it is not. */
    long outUntil;
    String outWhy;
    /** RFC 3463 status of the deferrals while it is out: 4.4.1 dead, 4.4.5 suspended by its own word. */
    String outStatus;
    /** Deliveries the site took in each of the last seconds (ring by second): how fast its queue drains. */
    private final int[] tookIn = new int[PACE_SECONDS];
    private final long[] secondOf = new long[PACE_SECONDS];
    /** When the relay first wanted the site, and when it last made progress there (took a delivery, or began after a rest). */
    private final long born;
    private long lastProgress;
    /** A rate factor below one until {@code slowUntil}, by the site's own word. */
    double slowFactor = 1;
    long slowUntil;

    SiteState(double initial, double maxWindow, Shaping.Limits limits, RateLimit noticeRate, long now) {
        this.noticeRate = noticeRate;
        this.born = now;
        this.lastProgress = now;
        this.maxWindow = maxWindow;
        this.window = Math.min(initial, maxWindow);
        this.rate = limits.rate();
        this.connectionRate = limits.connectionRate();
    }

    /** Seconds of history the pace is judged on, and the least before it is judged at all. */
    private static final int PACE_SECONDS = 20;
    private static final long JUDGED_AFTER = 5_000;
    /** Transfers under way and none taken for this long: the site is stuck. */
    private static final long STALLED_AFTER = 10_000;

    /** The site took a delivery. */
    void took(long now) {
        long second = now / 1000;
        int slot = (int) (second % PACE_SECONDS);
        if (secondOf[slot] != second) {
            secondOf[slot] = second;
            tookIn[slot] = 0;
        }
        tookIn[slot]++;
        lastProgress = now;
    }

    /**
     * Whether the site keeps pace with {@code waiting} deliveries: it is not stuck (transfers under
     * way and none taken for ten seconds), and, once it has a history, it would be through them
     * within {@code withinMillis} at the pace of its last twenty seconds. Too new to judge: yes.
     */
    boolean keepsPace(int waiting, long now, long withinMillis) {
        if (active > 0 && now - lastProgress > STALLED_AFTER) {
            return false;
        }
        long span = Math.min(PACE_SECONDS * 1000L, now - born);
        if (span < JUDGED_AFTER) {
            return true;
        }
        long second = now / 1000;
        int took = 0;
        for (int i = 0; i < PACE_SECONDS; i++) {
            if (second - secondOf[i] < PACE_SECONDS) {
                took += tookIn[i];
            }
        }
        double perMilli = (double) took / span;
        return perMilli > 0 && waiting / perMilli <= withinMillis;
    }

    boolean outAt(long now) {
        return outUntil > now;
    }

    /** Out of use by its own word (a throttle's suspension, status 4.4.5), not dead. */
    boolean suspendedAt(long now) {
        return outAt(now) && "4.4.5".equals(outStatus);
    }

    double factorAt(long now) {
        return slowUntil > now ? slowFactor : 1;
    }

    /**
     * Whether one more transfer may start now: in use, room in the window, a token of its rate, and
     * a session to reuse or a token for a new connection.
     */
    boolean mayStart(long now, boolean reuses) {
        return active < (int) window && !outAt(now) && (!rate.limited() || rate.allows(now, factorAt(now)))
                && (reuses || !connectionRate.limited() || connectionRate.allows(now, factorAt(now)));
    }

    /** One more transfer starts: it takes its token, and a new connection's unless it reuses a session. */
    void started(long now, boolean reuses) {
        if (active == 0) {
            lastProgress = Math.max(lastProgress, now); // after a rest, the clock of being stuck starts now
        }
        active++;
        if (rate.limited()) {
            rate.tryTake(now, factorAt(now));
        }
        if (!reuses && connectionRate.limited()) {
            connectionRate.tryTake(now, factorAt(now));
        }
    }
}
