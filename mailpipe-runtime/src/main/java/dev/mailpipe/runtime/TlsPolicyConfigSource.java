package dev.mailpipe.runtime;

import java.util.Map;
import java.util.TreeSet;

/**
 * {@link TlsPolicy} for Quarkus's TLS registry ({@code quarkus.tls.protocols} and
 * {@code quarkus.tls.cipher-suites}), so that an HTTPS listener offers what STARTTLS offers, from
 * the one list.
 */
public final class TlsPolicyConfigSource extends DerivedConfigSource {
    public TlsPolicyConfigSource() {
        super("mailpipe TLS policy (TlsPolicy)", Map.of(
                "quarkus.tls.protocols", String.join(",", new TreeSet<>(TlsPolicy.PROTOCOLS).descendingSet()),
                "quarkus.tls.cipher-suites", String.join(",", TlsPolicy.CIPHER_SUITES)));
    }
}
