package dev.mailpipe.ingress;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Who the sender of incoming mail is, checked at the end of data ({@code
 * mailpipe.ingress.sender-checks.*}): SPF (RFC 7208), DKIM (RFC 6376, 8463) and DMARC (RFC 7489)
 * for mail from clients that neither authenticated nor are in a trusted network; the results go in
 * one Authentication-Results field (RFC 8601).
 */
@ConfigMapping(prefix = "mailpipe.ingress.sender-checks")
public interface SenderChecksConfig {
    /** Check SPF, DKIM and DMARC on the MX listener. */
    @WithDefault("true")
    boolean enabled();

    /** The authserv-id in Authentication-Results; a field that arrives with it is removed. */
    @WithDefault("${mailpipe.hostname}")
    String authservId();

    /** Recursive resolvers as host:port (127.0.0.1:5353); empty means the system's (resolv.conf). */
    Optional<List<String>> dnsServers();

    /** How long one DNS query may take before it counts as a temporary error. */
    @WithDefault("5s")
    Duration dnsTimeout();

    /** What a DMARC failure under {@code p=reject} gets: REJECT ({@code 550 5.7.1}), QUARANTINE or TAG. */
    @WithDefault("reject")
    Action dmarcReject();

    /** What a DMARC failure under {@code p=quarantine} gets. */
    @WithDefault("quarantine")
    Action dmarcQuarantine();

    /**
     * What a message gets whose DMARC verdict waits on a DNS answer that did not come (the policy, or
     * an aligned SPF or DKIM check): DEFER ({@code 451 4.7.24} for SPF, else {@code 451 4.7.1}; the
     * client tries again later) or TAG (accepted, {@code dmarc=temperror}).
     */
    @WithDefault("defer")
    Action dmarcTemperror();

    /**
     * The field a quarantined message carries, for a Sieve rule ({@code header :contains
     * "X-Mailpipe-Quarantine" "dmarc"}) to file it.
     */
    @WithDefault("X-Mailpipe-Quarantine")
    String quarantineHeader();

    /**
     * DKIM signatures verified per message, the first in the header; the rest are reported
     * {@code dkim=policy} unchecked. Each costs a DNS lookup to a domain the sender chose and a
     * hash of the whole body.
     */
    @WithDefault("5")
    int maxDkimSignatures();

    /**
     * How long all checks of one message may take together; past it the verdict is
     * {@code temperror} (and {@link #dmarcTemperror()} says what follows), and the checks are
     * interrupted.
     */
    @WithDefault("30s")
    Duration deadline();

    /**
     * Threads that run checks, apart from the workers AUTH hashes passwords on, so that a flood of
     * slow checks never holds up a login.
     */
    @WithDefault("16")
    int threads();

    /** Messages whose checks may wait for a thread; past it a message gets {@code 451 4.3.2} (try later). */
    @WithDefault("200")
    int queue();

        enum Action { REJECT, DEFER, QUARANTINE, TAG }
}
