package dev.mailpipe.relay;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Settings of the outbound SMTP client ({@code mailpipe.relay.*}, or {@code MAILPIPE_RELAY_*}). */
@ConfigMapping(prefix = "mailpipe.relay")
public interface RelayConfig {
    /** TCP port of remote MX hosts. 25 in production; tests point it at a local sink. */
    @WithDefault("25")
    int port();

    /** Name this client gives in EHLO, and reports in bounces. */
    @WithDefault("${mailpipe.hostname}")
    String hostname();

    /** How long to wait for a TCP connection before trying the next address. */
    @WithDefault("10s")
    Duration connectTimeout();

    /** Destination domains that must be reached over TLS; elsewhere STARTTLS is used when offered. */
    java.util.Optional<java.util.List<String>> tlsRequiredDomains();

    /** Keep connections open after a message and use them for the next one to the same server. */
    @WithDefault("true")
    boolean reuseConnections();

    /** How long an unused open connection is kept before QUIT. */
    @WithDefault("10s")
    Duration idleConnectionTimeout();

    /** Messages sent over one connection before it is closed and a new one opened. */
    @WithDefault("100")
    int maxMessagesPerConnection();

    /** Transfers at once to one destination site (the set of MX hosts that domains share). */
    @WithDefault("4")
    int maxConnectionsPerSite();

    /** Transfers at once over all destinations. */
    @WithDefault("50")
    int maxConnections();

    /**
     * Tell the sender once that a message is still being retried after this long (a DSN with
     * Action: delayed, RFC 3464). Off unless set, as in Postfix's delay_warning_time.
     */
    java.util.Optional<Duration> delayWarning();

    /** How long to wait for any one reply (RFC 5321 4.5.3.2 suggests minutes; the sum stays bounded). */
    @WithDefault("2m")
    Duration replyTimeout();
}
