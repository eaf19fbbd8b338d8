package dev.mailpipe.relay.shaping;

/**
 * Messages per minute and per hour for one site or domain, as two token buckets that refill
 * continuously: a burst may use a bucket's whole content, and the long run keeps to the rate. A
 * factor below one (a provider asked us to slow down) lowers both rates for as long as it is given.
 */
public final class RateLimit {
    private final Bucket minute;
    private final Bucket hour;

    /** {@code perMinute}, {@code perHour}: 0 for no limit of that kind. */
    public RateLimit(int perMinute, int perHour) {
        this.minute = perMinute > 0 ? new Bucket(perMinute, 60_000) : null;
        this.hour = perHour > 0 ? new Bucket(perHour, 3_600_000) : null;
    }

    public boolean limited() {
        return minute != null || hour != null;
    }

    /** Whether both buckets have a token for one more message now, at rates times {@code factor}. */
    public boolean allows(long nowMillis, double factor) {
        return (minute == null || minute.has(nowMillis, factor)) && (hour == null || hour.has(nowMillis, factor));
    }

    /** Takes one message's tokens from both buckets if both have one, at rates times {@code factor}. */
    public boolean tryTake(long nowMillis, double factor) {
        if (!allows(nowMillis, factor)) {
            return false;
        }
        if (minute != null) {
            minute.take();
        }
        if (hour != null) {
            hour.take();
        }
        return true;
    }

    private static final class Bucket {
        private final double capacity;
        private final double perMilli;
        private double tokens;
        private long last = Long.MIN_VALUE;

        Bucket(int rate, long periodMillis) {
            this.capacity = rate;
            this.perMilli = (double) rate / periodMillis;
            this.tokens = rate;
        }

        boolean has(long now, double factor) {
            if (last != Long.MIN_VALUE && now > last) {
                tokens = Math.min(capacity * factor, tokens + (now - last) * perMilli * factor);
            }
            last = now;
            return tokens >= 1;
        }

        void take() {
            tokens -= 1;
        }
    }
}
