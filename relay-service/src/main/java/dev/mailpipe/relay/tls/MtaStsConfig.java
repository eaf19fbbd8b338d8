package dev.mailpipe.relay.tls;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** MTA-STS (RFC 8461) for outgoing mail ({@code mailpipe.relay.mta-sts.*}). */
@ConfigMapping(prefix = "mailpipe.relay.mta-sts")
public interface MtaStsConfig {
    /** Look for a destination's policy and, in mode enforce, deliver only over checked TLS to the MX hosts it names. */
    @WithDefault("true")
    boolean enabled();

    /** The port of the policy's web server: 443 (RFC 8461 3.3); tests serve it elsewhere on loopback. */
    @WithDefault("443")
    int port();

    /** How long the policy fetch may take, connection and answer. */
    @WithDefault("10s")
    Duration fetchTimeout();

    /**
     * How long the answer for a destination (its policy, or that it has none) is taken as it is
     * before the TXT record is asked again: the check costs a lookup per message otherwise.
     */
    @WithDefault("1m")
    Duration recheck();

    /** Destination domains whose policy is kept. */
    @WithDefault("10000")
    long cacheSize();
}
