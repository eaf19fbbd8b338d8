package dev.mailpipe.relay;

/**
 * How one delivery uses TLS: what the session demands of STARTTLS, whether the certificate is
 * checked (PKIX and the MX host's name, RFC 8461 4.1), and whether a failure of that check is only
 * reported (an MTA-STS policy in mode testing) and the delivery goes on opportunistically.
 */
record TlsRule(RemoteSession.TlsPolicy session, boolean verify, boolean testing, String name) {
    /** STARTTLS when offered, any certificate, plain text when the handshake fails (RFC 7435). */
    static final TlsRule OPPORTUNISTIC = new TlsRule(RemoteSession.TlsPolicy.OPPORTUNISTIC, false, false, "opportunistic");
    /** Plain text: the retry after opportunistic TLS failed. */
    static final TlsRule PLAIN = new TlsRule(RemoteSession.TlsPolicy.NONE, false, false, "plain");
    /** A tls-required-domains destination: TLS or nothing, certificate unchecked. */
    static final TlsRule REQUIRED = new TlsRule(RemoteSession.TlsPolicy.REQUIRE, false, false, "required");
    /** MTA-STS enforce: TLS with a certificate the trust store and the MX name vouch for, or defer 4.7.5. */
    static final TlsRule STS_ENFORCE = new TlsRule(RemoteSession.TlsPolicy.REQUIRE, true, false, "mta-sts-enforce");
    /** MTA-STS testing: checked TLS first; what would fail is logged, and the mail goes on opportunistically. */
    static final TlsRule STS_TESTING = new TlsRule(RemoteSession.TlsPolicy.REQUIRE, true, true, "mta-sts-testing");
}
