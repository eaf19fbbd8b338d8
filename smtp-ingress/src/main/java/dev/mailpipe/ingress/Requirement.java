package dev.mailpipe.ingress;

import java.util.function.Predicate;

/**
 * What a command needs of the session beyond its place in the conversation: the port it came in
 * on, TLS, authentication. Each is checked after the state and before the arguments, and refuses
 * with its own reply.
 */
enum Requirement {
    /** RFC 3207: STARTTLS only where a key is configured. */
    TLS_OFFERED(f -> f.tlsAvailable(), Reply.of(502, "5.5.1", "STARTTLS is not offered here")),
    /** RFC 3207 4.2: one TLS negotiation per connection. */
    NOT_YET_IN_TLS(f -> !f.tls(), Reply.of(503, "5.5.1", "Error: TLS already active")),
    /** AUTH is offered on the submission port only: the MX port takes mail for local users. */
    SUBMISSION_PORT(f -> f.submission(), Reply.of(502, "5.5.1", "AUTH is not offered on this port")),
    /** RFC 4954 4: one successful AUTH per session. */
    NOT_YET_AUTHENTICATED(f -> f.authenticated() == null, Reply.of(503, "5.5.1", "Error: already authenticated")),
    /** Passwords never cross the network in clear (RFC 4954 4, 538). */
    INSIDE_TLS(f -> f.tls(), Reply.of(538, "5.7.11", "Encryption required for requested authentication mechanism")),
    /** RFC 6409 4.3: submission takes mail only from an authenticated client. */
    AUTHENTICATED_ON_SUBMISSION(f -> !f.submission() || f.authenticated() != null,
            Reply.of(530, "5.7.0", "Authentication required"));

    private final Predicate<Facts> met;
    private final Reply otherwise;

    Requirement(Predicate<Facts> met, Reply otherwise) {
        this.met = met;
        this.otherwise = otherwise;
    }

    /** Null when the session meets the requirement, else the reply that refuses the command. */
    Reply refuse(Facts facts) {
        return met.test(facts) ? null : otherwise;
    }

    /** What a requirement can ask of the session. {@code authenticated}: the user, or null. */
    record Facts(boolean submission, boolean tlsAvailable, boolean tls, String authenticated) {
    }
}
