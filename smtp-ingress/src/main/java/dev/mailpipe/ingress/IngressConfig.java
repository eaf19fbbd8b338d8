package dev.mailpipe.ingress;

import dev.mailpipe.model.Topics;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;

/** Settings of the SMTP listener ({@code mailpipe.ingress.*}, or {@code MAILPIPE_INGRESS_*}). */
@ConfigMapping(prefix = "mailpipe.ingress")
public interface IngressConfig {
    /** Address the SMTP listener binds to. */
    @WithDefault("127.0.0.1")
    String host();

    /** Port of the SMTP (MX) listener. */
    @WithDefault("2525")
    int port();

    /**
     * Port of the submission listener (RFC 6409): clients must authenticate (AUTH after STARTTLS)
     * before MAIL, and may then relay anywhere. -1 turns it off (0 picks a free port).
     */
    @WithDefault("2587")
    int submissionPort();

    /**
     * Port of a listener that expects a PROXY protocol header (v1 or v2) first, for a load balancer
     * in front of the ingress; the client address in it is the one policy sees (0 picks a free port).
     * The header is believed only from {@link Proxy#trustedNetworks()}. -1 (the default) turns it off.
     */
    @WithDefault("-1")
    int proxyPort();

    /** Who may speak PROXY protocol to {@link #proxyPort()}. */
    Proxy proxy();

    interface Proxy {
        /**
         * The load balancers' addresses (CIDR), as Dovecot's {@code haproxy_trusted_networks}: only a
         * peer in them may send a PROXY header. A connection to the PROXY port from anywhere else is
         * refused with 421 before a byte of it is read, and logged: its header would name any
         * client it liked, a trusted one included. Required when the PROXY port is on; the ingress
         * does not start without it.
         */
        java.util.Optional<List<String>> trustedNetworks();
    }

    /**
     * Event loops that serve SMTP sessions: each listener is opened this many times on one port, each
     * loop with its own socket, and the kernel spreads connections over them. 0 means one per two
     * processors (at least one): the Kafka producer's I/O thread needs a core too. On 2 shared cores,
     * 1 loop served 7,300 messages per second at 100 us of CPU each, 2 loops 6,500 at 129 us
     * (bench/ingress).
     */
    @WithDefault("0")
    int eventLoops();

    /** STARTTLS (RFC 3207). */
    Tls tls();

    /** How failed AUTH attempts are slowed and then refused, across sessions. */
    AuthThrottling authThrottling();

    /**
     * Failed AUTH is counted per client address and per account for {@link #window()} after the
     * last failure. Past {@link #freeFailures()} every further 535 waits, twice as long each time up
     * to {@link #maxDelay()}; an address past {@link #maxFailuresPerClient()} gets 454 4.7.0 to AUTH,
     * without a password check, until its window ends. An account is only slowed, never locked: its
     * owner must still get in from elsewhere, at once, since a success is never delayed.
     */
    interface AuthThrottling {
        @WithDefault("3")
        int freeFailures();

        @WithDefault("1s")
        Duration firstDelay();

        @WithDefault("16s")
        Duration maxDelay();

        @WithDefault("10")
        int maxFailuresPerClient();

        @WithDefault("15m")
        Duration window();
    }

    interface Tls {
        /** PKCS#12 keystore holding the server's certificate and key; STARTTLS is offered only if set. */
        java.util.Optional<String> keystore();

        /** Password of the keystore. */
        java.util.Optional<String> keystorePassword();

        /**
         * How often the keystore file is checked for a change (a rotated certificate); a changed
         * one serves every connection from then on, without a restart.
         */
        @WithDefault("1m")
        Duration reloadCheck();
    }

    /** Name this server gives in its greeting, its EHLO reply and its Received: headers. */
    @WithDefault("${mailpipe.hostname}")
    String hostname();

    /** Largest message accepted, in octets, advertised as SIZE (RFC 1870). */
    @WithDefault(Topics.MAX_MESSAGE_BYTES_DEFAULT)
    long maxMessageSize();

    /**
     * Message octets all sessions together may hold at once: being received (DATA, BDAT), checked
     * or waiting for Kafka. A message that cannot have its share is read to its end and refused
     * with 452 4.3.1 (at MAIL already when its declared SIZE cannot fit), never an
     * OutOfMemoryError. 0 means a quarter of the heap; the mail producer's buffer is sized to it.
     */
    @WithDefault("0")
    long messageMemory();

    /**
     * The share of {@link #messageMemory()} the sessions of one client address (an IPv6 client's
     * /64) may hold together; never less than one message of {@link #maxMessageSize()}.
     */
    @WithDefault("0.25")
    double messageMemoryClientShare();

    /** Recipients per message; past it RCPT gets 452 4.5.3 (RFC 5321 4.5.3.1.8 asks for at least 100). */
    @WithDefault("100")
    int maxRecipients();

    /**
     * Excess recipients of one transaction (past {@link #maxRecipients()}) that are refused with 452
     * without counting toward {@link #maxErrors()}, as Postfix's {@code smtpd_recipient_overshoot_limit}.
     * A pipelining client sends all its RCPTs before it sees a reply: RFC 5321 4.5.3.1.10 expects it
     * to deliver to those accepted and retry the rest, so the session must survive to its DATA.
     */
    @WithDefault("1000")
    int recipientOvershootLimit();

    /**
     * Longest command line in octets, CRLF included. RFC 5321 4.5.3.1.4 sets 512 and lets extensions
     * raise it; DSN's ORCPT and ENVID (RFC 3461) add up to 600, so the default leaves room for them.
     */
    @WithDefault("1024")
    int maxCommandLine();

    /** Longest text line in DATA in octets, CRLF excluded (RFC 5322 2.1.1 caps it at 998). */
    @WithDefault("998")
    int maxTextLine();

    /**
     * Header fields a message may have; past it the message is refused with 552 5.6.0. Everything
     * after reads the header (the sender checks three times), and a header of millions of tiny
     * fields would cost each of them in full.
     */
    @WithDefault("1000")
    int maxHeaderFields();

    /** Clients in these networks may relay to any domain (CIDR notation). */
    @WithDefault("127.0.0.0/8,::1/128")
    List<String> relayNetworks();

    /** How long end-of-data waits for Kafka's acknowledgement before answering 451 4.3.0. */
    @WithDefault("10s")
    Duration publishTimeout();

    /**
     * How long a message may wait for others to share its produce request to {@code mail.inbound}
     * (the producer's {@code linger.ms}), added at most once to each 250. Under load the messages of
     * many sessions then leave together: at 2 ms a request carried 8 messages instead of 3 at 0, and
     * the broker had a third as many produce requests to handle (docs/performance.md).
     * Must be shorter than {@link #publishTimeout()}.
     */
    @WithDefault("2ms")
    Duration publishLinger();

    /**
     * How long a command may take to arrive, whole, after the previous reply (RFC 5321 4.5.3.2.7: 5
     * minutes); then 421 4.4.2. Octets of an unfinished line do not extend it: a client that
     * dribbles a byte at a time gets no more time than a silent one.
     */
    @WithDefault("5m")
    Duration idleTimeout();

    /**
     * Time for a message's text (DATA, BDAT) before {@link #minDataRate()} octets per second must
     * have extended it, as Postfix's {@code smtpd_timeout} with {@code smtpd_min_data_rate}.
     */
    @WithDefault("5m")
    Duration dataTimeout();

    /** Octets per second that extend a message's time by a second each (0: no rate, only the session limit). */
    @WithDefault("500")
    long minDataRate();

    /**
     * The share of {@link #maxConnections()} in use above which the ingress is under stress: every
     * wait for a client is cut to {@link #stressTimeout()}, so idle sessions make room first.
     */
    @WithDefault("0.8")
    double stressThreshold();

    /** Every wait for a client under stress (Postfix's stress mode: 10 seconds). */
    @WithDefault("10s")
    Duration stressTimeout();

    /** Longest a whole session may last, however busy. */
    @WithDefault("30m")
    Duration sessionTimeout();

    /** Sessions open at once, over all clients; past it new ones get 421 4.7.0. */
    @WithDefault("1000")
    int maxConnections();

    /** Sessions open at once from one client address (an IPv6 client's /64). */
    @WithDefault("50")
    int maxConnectionsPerClient();

    /** Error replies in one session before it is closed with 421 4.7.0. */
    @WithDefault("20")
    int maxErrors();

    /**
     * At a stop, how long open sessions may take to reach their next command (a message under way
     * is finished first) before the listeners close them. Below the pod's termination grace.
     */
    @WithDefault("30s")
    Duration shutdownGrace();

    /**
     * Pause before the greeting on the MX port (postscreen's {@code postscreen_greet_wait}). A client
     * that talks during it is an early talker (it does not wait for the server, as spam engines do)
     * and is refused with 554 5.5.1. Clients in {@link #relayNetworks()}, the submission port and
     * clients that passed within {@link #greetingPassTtl()} are greeted at once. Zero turns the
     * check off.
     */
    @WithDefault("6s")
    Duration greetingDelay();

    /** The pause under stress (most of the connection limit in use), as postscreen shortens it. */
    @WithDefault("2s")
    Duration greetingDelayUnderStress();

    /** How long a client address (an IPv6 /64) that waited for its greeting is greeted at once. */
    @WithDefault("1d")
    Duration greetingPassTtl();
}
