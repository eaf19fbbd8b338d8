package dev.mailpipe.routing;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Settings of the routing stage ({@code mailpipe.routing.*}, or {@code MAILPIPE_ROUTING_*}). */
@ConfigMapping(prefix = "mailpipe.routing")
public interface RoutingConfig {
    /** Name this MTA reports in the bounces it writes (Reporting-MTA). */
    @WithDefault("${mailpipe.hostname}")
    String hostname();

    /** More Received: headers than this means a mail loop (RFC 5321 6.3); the message bounces 5.4.6. */
    @WithDefault("100")
    int maxReceivedHeaders();

    /** The consumer group that reads {@code mail.inbound}; its offsets commit with each transaction. */
    @WithDefault("routing-service")
    String group();

    /**
     * The transactional id of the stage's producer: each poll's output and offsets are one
     * transaction. Two replicas need two ids, or the second fences the first; {@code HOSTNAME} is
     * the pod's name (local-k under ./mailpipe up).
     */
    @WithDefault("routing-${HOSTNAME:local}")
    String transactionalId();

    /**
     * Most input records in one poll, and so in one transaction (each may fan out to many
     * mailboxes). Under load a poll takes what has arrived since the last, up to this.
     */
    @WithDefault("200")
    int batchSize();

    /**
     * MX host suffixes whose hosts make one site (KumoMTA's {@code mx_rollup}): a domain whose MX
     * hosts are all under one of them is keyed on {@code mail.relay} as {@code *.<suffix>}, so every
     * domain a provider hosts meets one relay replica and shares its window there.
     */
    @WithDefault("google.com,outlook.com,yahoodns.net")
    List<String> mxRollup();

    Dns dns();

    Notices notices();

    /** How {@code mail.notices} (bounces and delay warnings) is read, apart from user mail. */
    interface Notices {
        /** The consumer group that reads {@code mail.notices}: its lag is the notices waiting. */
        @WithDefault("routing-notices")
        String group();

        /** The transactional id of the notices' producer; as {@code transactional-id}, one per replica. */
        @WithDefault("routing-notices-${HOSTNAME:local}")
        String transactionalId();
    }

    interface Dns {
        /** Recursive resolvers as host:port, e.g. 127.0.0.1:5353; empty means the system's (resolv.conf). */
        Optional<List<String>> servers();

        /** How long one DNS query may take before it counts as a temporary failure. */
        @WithDefault("5s")
        Duration timeout();

        /** Domains whose resolved route is cached (each for the shortest TTL of its answers). */
        @WithDefault("10000")
        long cacheSize();

        /** How long "no such domain" and "no address" answers are cached. */
        @WithDefault("5m")
        Duration negativeTtl();
    }
}
