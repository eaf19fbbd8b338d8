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
    double window;
    int active;
    /** Deliveries in a row that no server of the site answered. */
    int unreachable;
    /** Until when (clock millis) the site is out of use, and why; 0 when it is not. */
    long outUntil;
    String outWhy;
    /** RFC 3463 status of the deferrals while it is out: 4.4.1 dead, 4.4.5 suspended by its own word. */
    String outStatus;
    /** Deliveries the site took in the current ten seconds and the ten before: how fast its queue drains. */
    private long bucketStart;
    private int thisBucket;
    private int lastBucket;
    /** A rate factor below one until {@code slowUntil}, by the site's own word. */
    double slowFactor = 1;
    long slowUntil;

    SiteState(double initial, double maxWindow, Shaping.Limits limits) {
        this.maxWindow = maxWindow;
        this.window = Math.min(initial, maxWindow);
        this.rate = limits.rate();
    }

    /** The site took a delivery. */
    void took(long now) {
        roll(now);
        thisBucket++;
    }

    /** Whether {@code waiting} deliveries would be through within {@code withinMillis} at the pace the site has been taking them. */
    boolean drains(int waiting, long now, long withinMillis) {
        roll(now);
        long span = BUCKET + (now - bucketStart);
        double perMilli = (double) (thisBucket + lastBucket) / span;
        return perMilli > 0 && waiting / perMilli <= withinMillis;
    }

    private static final long BUCKET = 10_000;

    private void roll(long now) {
        if (now - bucketStart >= 2 * BUCKET) {
            lastBucket = 0;
            thisBucket = 0;
            bucketStart = now;
        } else if (now - bucketStart >= BUCKET) {
            lastBucket = thisBucket;
            thisBucket = 0;
            bucketStart += BUCKET;
        }
    }

    boolean outAt(long now) {
        return outUntil > now;
    }

    double factorAt(long now) {
        return slowUntil > now ? slowFactor : 1;
    }

    /** Whether one more transfer may start now: in use, room in the window, a token of its rate. */
    boolean mayStart(long now) {
        return active < (int) window && !outAt(now) && (!rate.limited() || rate.allows(now, factorAt(now)));
    }

    /** One more transfer starts: it takes its token. */
    void started(long now) {
        active++;
        if (rate.limited()) {
            rate.tryTake(now, factorAt(now));
        }
    }
}
