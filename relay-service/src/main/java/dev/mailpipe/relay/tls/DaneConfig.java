package dev.mailpipe.relay.tls;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** DANE for outgoing mail (RFC 7672, {@code mailpipe.relay.dane.*}). */
@ConfigMapping(prefix = "mailpipe.relay.dane")
public interface DaneConfig {
    /**
     * Look up the TLSA records of each MX host through DNSSEC validation and, where they exist,
     * deliver only over TLS that they authenticate. Off by default, as in Postfix: it needs
     * resolvers ({@code mailpipe.relay.dns-servers}) that pass DNSSEC records through, else every
     * signed destination's mail would wait.
     */
    @WithDefault("false")
    boolean enabled();

    /**
     * DS or DNSKEY records (zone-file text) validation starts from; absent, the root's keys as
     * IANA publishes them (KSK-2017 and KSK-2024), kept in the service.
     */
    Optional<Path> trustAnchors();

    /** How long what was found for a destination or an MX host is taken as it is before DNS is asked again. */
    @WithDefault("1m")
    Duration recheck();

    /** Destinations and MX hosts whose answers are kept. */
    @WithDefault("10000")
    long cacheSize();
}
