package dev.mailpipe.relay;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;
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

    /**
     * Resolvers for the relay's own lookups (MTA-STS's TXT records and policy hosts) as host:port;
     * empty means the system's. application.properties makes it routing's setting when that is set.
     */
    java.util.Optional<java.util.List<String>> dnsServers();

    /** How long one of those lookups may take. */
    @WithDefault("5s")
    Duration dnsTimeout();

    /** CAs (PEM) trusted besides the system's where a policy checks certificates: a private CA. */
    java.util.Optional<java.nio.file.Path> trustStore();

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

    /**
     * Transfers at once to a destination site (the set of MX hosts that domains share) before it has
     * shown how much it takes: Postfix's {@code initial_destination_concurrency}.
     */
    @WithDefault("5")
    int initialConnectionsPerSite();

    /**
     * The most transfers at once to one site, however well it answers: Postfix's
     * {@code default_destination_concurrency_limit}. Between the two the window adapts (see
     * {@code SiteLimiter}); metric {@code mailpipe.relay.site.window}.
     */
    @WithDefault("20")
    int maxConnectionsPerSite();

    /**
     * The shaping file (YAML): connections, messages per connection, per minute and per hour by
     * site (MX suffix) and recipient domain, and the replies that suspend or slow a site
     * ({@code relay.shaping.Shaping}; README, "Sending out"). None: the settings here, no rates.
     */
    Optional<java.nio.file.Path> shapingFile();

    /**
     * Deliveries that may wait for one site's window; the next is deferred at once (4.4.5), so one
     * site never takes more than this share of the records in hand and the rest of the mail flows.
     */
    @WithDefault("250")
    int siteMaxWaiting();

    /**
     * How long a delivery may wait for its site's window; then it is deferred (4.4.5) to the retry
     * tiers, where the queue's lifetime and flushes apply, instead of waiting in memory.
     */
    @WithDefault("5m")
    java.time.Duration siteWait();

    /**
     * A site none of whose servers answered a whole window of deliveries in a row is dead for this
     * long (Postfix's dead destination): its mail is deferred (4.4.1) without a connection, then
     * the next delivery probes it. Short: a probe costs one connection, and a site that was down a
     * moment should have its mail soon after it is back. Zero: never.
     */
    @WithDefault("30s")
    java.time.Duration deadSiteBackoff();

    /**
     * How long a recipient that a remote server refused as nonexistent ({@code invalid-recipient}:
     * 5.1.1 and its kin) is suppressed: later mail to it bounces at once, without a connection
     * ({@code mail.suppressed}, shared by every replica). Zero: nothing is suppressed.
     */
    @WithDefault("30d")
    java.time.Duration suppressionTime();

    /**
     * Records taken from Kafka and not finished, at most: under way, or waiting for their site's
     * window. Past it the relay reads no further until one finishes.
     */
    @WithDefault("1000")
    int maxDeliveriesInHand();

    /** The bytes of messages those records hold, at most (a larger message is taken alone). */
    @WithDefault("64M")
    io.quarkus.runtime.configuration.MemorySize maxBytesInHand();

    /** Transfers at once over all destinations. */
    @WithDefault("50")
    int maxConnections();

    /**
     * Tell the sender once that a message is still being retried after this long (a DSN with
     * Action: delayed, RFC 3464). Off unless set, as in Postfix's delay_warning_time.
     */
    java.util.Optional<Duration> delayWarning();

    /** How long the client waits, per phase of the conversation and for a whole delivery. */
    Timeouts timeout();

    /**
     * When a partition of {@code mail.relay} moves to another replica (a rebalance, a shutdown), how
     * long the deliveries under way in it may take to finish before it is handed over. What is still
     * under way after that is abandoned to the next owner, which sends it again. Below the consumer's
     * {@code max.poll.interval.ms} (5 minutes), which bounds how long a rebalance may wait.
     */
    @WithDefault("30s")
    Duration handOverGrace();

    /** The consumer group that reads {@code mail.relay}. */
    @WithDefault("relay-service")
    String group();

    /** How often the relay commits how far it got in each partition, with what finished out of order. */
    @WithDefault("100ms")
    Duration commitInterval();

    /** The longest reply line taken (RFC 5321 4.5.3.1.5 allows 512 octets; servers exceed it a little). */
    @WithDefault("2048")
    int maxReplyLineLength();

    /** The most lines one multi-line reply may have (an EHLO reply has a dozen or two). */
    @WithDefault("100")
    int maxReplyLines();

    /**
     * RFC 5321 4.5.3.2: its suggested minimums are the defaults. A reply that does not come in time,
     * a line that is too long, or a reply with too many lines is a protocol error: the next address
     * is tried, or, once the content has gone out, the recipients are deferred.
     */
    interface Timeouts {
        /** 4.5.3.2.1: the 220 greeting. */
        @WithDefault("5m")
        Duration greeting();

        /** 4.5.3.2.2 and .3 (MAIL, RCPT); also EHLO, HELO, STARTTLS and RSET. */
        @WithDefault("5m")
        Duration command();

        /** 4.5.3.2.4: the 354 to DATA. */
        @WithDefault("2m")
        Duration dataInit();

        /** 4.5.3.2.5: each block of the content to leave for the server. */
        @WithDefault("3m")
        Duration dataBlock();

        /** 4.5.3.2.6: the reply to the final dot. */
        @WithDefault("10m")
        Duration finalDot();

        /**
         * The whole delivery of one message, over every address it tries: a server that answers
         * each command just in time, or trickles a reply, keeps a slot no longer than this.
         */
        @WithDefault("20m")
        Duration delivery();
    }
}
