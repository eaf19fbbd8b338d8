package dev.mailpipe.ingress;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * The early-talker test on the MX port (postscreen's pregreet): the greeting waits, and a client
 * that speaks before it is no SMTP client. Trusted networks are greeted at once, and so is a client
 * address that passed within the pass lifetime, so that a repeat sender waits once a day, not once
 * per connection. Under stress the wait is shorter.
 */
final class Pregreet {
    private static final int TRACKED = 200_000;

    private final long delay;
    private final long underStress;
    private final BooleanSupplier stressed;
    private final Cache<String, Boolean> passed;

    Pregreet(IngressConfig config, BooleanSupplier stressed) {
        this(config.greetingDelay(), config.greetingDelayUnderStress(), config.greetingPassTtl(), stressed);
    }

    Pregreet(Duration delay, Duration underStress, Duration passTtl, BooleanSupplier stressed) {
        this.delay = delay.toMillis();
        this.underStress = Math.min(this.delay, underStress.toMillis());
        this.stressed = stressed;
        this.passed = Caffeine.newBuilder().maximumSize(TRACKED).expireAfterWrite(passTtl).build();
    }

    /**
     * How long {@code clientIp}'s greeting waits, in milliseconds; 0 greets at once. {@code trusted}:
     * the client is in the relay networks (as its session already found).
     */
    long delayMillis(String clientIp, boolean trusted, boolean submission) {
        if (delay <= 0 || submission || trusted || passed.getIfPresent(ClientKey.of(clientIp)) != null) {
            return 0;
        }
        return stressed.getAsBoolean() ? underStress : delay;
    }

    /** {@code clientIp} waited for its greeting: greeted at once from now on, for the pass lifetime. */
    void passed(String clientIp) {
        passed.put(ClientKey.of(clientIp), Boolean.TRUE);
    }
}
