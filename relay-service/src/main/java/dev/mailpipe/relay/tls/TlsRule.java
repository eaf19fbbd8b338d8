package dev.mailpipe.relay.tls;

import dev.mailpipe.relay.smtp.RemoteSession;

/**
 * How one connection uses TLS: what the session demands of STARTTLS, how the certificate is
 * checked, and whether a failure of that check is only reported (an MTA-STS policy in mode
 * testing) and the delivery goes on opportunistically.
 */
public record TlsRule(RemoteSession.TlsPolicy session, Check check, boolean testing, String name) {
    /** Who vouches for the server's certificate. */
    public enum Check {
        /** Nobody: opportunistic TLS authenticates nobody (RFC 7435). */
        NONE,
        /** The trust store's CAs and the MX host's name (PKIX, RFC 8461 4.1). */
        PKIX,
        /** The MX host's TLSA records, DNSSEC-validated (RFC 7672 3). */
        DANE
    }

    /** STARTTLS when offered, any certificate, plain text when the handshake fails (RFC 7435). */
    public static final TlsRule OPPORTUNISTIC = new TlsRule(RemoteSession.TlsPolicy.OPPORTUNISTIC, Check.NONE, false, "opportunistic");
    /** Plain text: the retry after opportunistic TLS failed. */
    public static final TlsRule PLAIN = new TlsRule(RemoteSession.TlsPolicy.NONE, Check.NONE, false, "plain");
    /** A tls-required-domains destination: TLS or nothing, certificate unchecked. */
    static final TlsRule REQUIRED = new TlsRule(RemoteSession.TlsPolicy.REQUIRE, Check.NONE, false, "required");
    /** MTA-STS enforce: TLS with a certificate the trust store and the MX name vouch for, or defer 4.7.5. */
    static final TlsRule STS_ENFORCE = new TlsRule(RemoteSession.TlsPolicy.REQUIRE, Check.PKIX, false, "mta-sts-enforce");
    /** MTA-STS testing: checked TLS first; what would fail is logged, and the mail goes on opportunistically. */
    static final TlsRule STS_TESTING = new TlsRule(RemoteSession.TlsPolicy.REQUIRE, Check.PKIX, true, "mta-sts-testing");
    /** DANE: TLS with a certificate the host's TLSA records match, or defer 4.7.5. */
    static final TlsRule DANE = new TlsRule(RemoteSession.TlsPolicy.REQUIRE, Check.DANE, false, "dane");
    /** DANE with TLSA records none of which SMTP can use: TLS required, the certificate unchecked (RFC 7672 2.2). */
    static final TlsRule DANE_TLS_ONLY = new TlsRule(RemoteSession.TlsPolicy.REQUIRE, Check.NONE, false, "dane-unusable");

    public boolean verify() {
        return check != Check.NONE;
    }

    /** A destination whose TLSA records are secure is DANE's whatever else it publishes (RFC 8461 2). */
    static TlsRule forHost(DaneLookups.HostDane dane, TlsRule otherwise) {
        return switch (dane.kind()) {
            case AUTHENTICATE -> DANE;
            case MANDATORY_TLS -> DANE_TLS_ONLY;
            default -> otherwise;
        };
    }
}
