package dev.mailpipe.relay.progress;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.mailpipe.model.Envelope;
import java.time.Duration;

/**
 * The relay records this replica has taken on (in flight, or finished with its outcome recorded), by
 * message, destination domain and attempt. Kafka hands a record over again when its offset was not
 * committed: after a broker outage or a rebalance this replica may read mail it already sent. Found
 * here, such a record is acknowledged without a second SMTP transaction; a retry is a new attempt
 * and goes. After a crash of the relay itself the memory is gone, and only deliveries in flight
 * (and the last commit interval) are sent twice.
 */
public final class ClaimedDeliveries {
    /** Records remembered: far more than a replica has in flight or reads again after an outage. */
    public static final long SIZE = 200_000;
    /** Longer than any outage the consumer group survives without a restart of the relay. */
    public static final Duration KEEP = Duration.ofHours(1);

    private final Cache<String, Boolean> claimed;

    public ClaimedDeliveries(long size, Duration keep) {
        this.claimed = Caffeine.newBuilder().maximumSize(size).expireAfterWrite(keep).build();
    }

    static String key(Envelope envelope, String domain) {
        return envelope.id() + "\0" + domain + "\0" + envelope.attempt();
    }

    /** True if this record is now ours to deliver; false if this process has it already. */
    public boolean claim(Envelope envelope, String domain) {
        return claimed.asMap().putIfAbsent(key(envelope, domain), Boolean.TRUE) == null;
    }

    /** The delivery failed before its outcome was recorded: a later copy may try again. */
    public void release(Envelope envelope, String domain) {
        claimed.invalidate(key(envelope, domain));
    }
}
