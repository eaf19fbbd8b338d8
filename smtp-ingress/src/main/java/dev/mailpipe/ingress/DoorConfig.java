package dev.mailpipe.ingress;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The door of the MX port (postscreen, anvil and the policy delegation of Postfix): DNS list
 * scores at connect, rates per client, and a policy server asked at RCPT. Relay networks, and the
 * submission port, skip all of it. Every part is off until configured, except what
 * {@link IngressConfig#greetingDelay()} already turns on.
 */
@ConfigMapping(prefix = "mailpipe.ingress.door")
public interface DoorConfig {
    /**
     * DNS block and allow lists, postscreen's {@code postscreen_dnsbl_sites} syntax:
     * {@code site[=filter][*weight]}, e.g. {@code zen.example*3} or
     * {@code list.dnswl.example=127.0.[0..255].[0..255]*-2}. A filter matches the A record the list
     * answers with, octet by octet ({@code n}, {@code [n..m]}, {@code [a;b;c]}); no filter matches
     * any answer. Weight 1 when absent; negative for allow lists. Empty: no lookups.
     */
    Optional<List<String>> dnsblSites();

    /** A client whose summed weights reach this is refused {@code 550 5.7.1} at each RCPT, with the list's name. */
    @WithDefault("1")
    int dnsblThreshold();

    /** A client whose score is at or below this skips the pregreet wait (postscreen's allowlist threshold). */
    @WithDefault("-1")
    int dnsblAllowlistThreshold();

    /** One deadline for all of a client's lookups; a list that has not answered by then did not list it. */
    @WithDefault("2s")
    Duration dnsblTimeout();

    /** A client's score is kept for its answers' TTL, but at least this (also for "not listed")... */
    @WithDefault("60s")
    Duration dnsblMinTtl();

    /** ...and at most this. */
    @WithDefault("1h")
    Duration dnsblMaxTtl();

    /** The resolvers the lists are asked through ({@code host}, {@code host:port}); empty for the system's. */
    Optional<List<String>> dnsServers();

    /**
     * postscreen's pipelining test, off by default: a client that sends commands ahead after HELO or
     * EHLO (before it could know PIPELINING is offered) has each recipient refused
     * {@code 550 5.5.1}; one that sends its message before DATA's 354 gets {@code 503 5.5.0}.
     */
    @WithDefault("false")
    boolean pipeliningTest();

    /** anvil's rates: per client address (per /64 for IPv6), in each {@code rate-time-unit}; 0 for no limit. */
    @WithDefault("60s")
    Duration rateTimeUnit();

    /** New connections; past it {@code 421 4.7.0} at connect. */
    @WithDefault("0")
    int connectionRate();

    /** MAIL commands; past it {@code 450 4.7.1} at MAIL. */
    @WithDefault("0")
    int messageRate();

    /** RCPT commands, accepted or not; past it {@code 452 4.5.3} at RCPT. */
    @WithDefault("0")
    int recipientRate();

    /** STARTTLS handshakes; past it {@code 421 4.7.0} at STARTTLS. */
    @WithDefault("0")
    int tlsRate();

    /** Postfix's policy delegation (SMTPD_POLICY_README), asked at each RCPT of an untrusted client. */
    Policy policy();

    interface Policy {
        /** The policy server, {@code host:port} (postgrey's {@code --inet}); empty for none. */
        Optional<String> service();

        /** Whether it is asked again at the end of data ({@code protocol_state=END-OF-MESSAGE}). */
        @WithDefault("false")
        boolean atEndOfData();

        /** How long one answer may take, connecting included. */
        @WithDefault("10s")
        Duration timeout();

        /**
         * The action taken when the server cannot be reached or does not answer in time, as the
         * server would say it (Postfix's {@code smtpd_policy_service_default_action}).
         */
        @WithDefault("451 4.3.5 Server configuration problem")
        String defaultAction();

        /** Connections kept open for the next request, per ingress. */
        @WithDefault("8")
        int idleConnections();
    }
}
