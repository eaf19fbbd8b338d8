package dev.mailpipe.model;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * {@link TlsPolicy} for Quarkus's TLS registry ({@code quarkus.tls.protocols} and
 * {@code quarkus.tls.cipher-suites}), so that an HTTPS listener offers what STARTTLS offers, from
 * the one list. Ordinal 100, as {@link RecordSizeConfigSource}: configuration still overrides it.
 */
public final class TlsPolicyConfigSource implements ConfigSource {
    private static final Map<String, String> VALUES = Map.of(
            "quarkus.tls.protocols", String.join(",", new TreeSet<>(TlsPolicy.PROTOCOLS).descendingSet()),
            "quarkus.tls.cipher-suites", String.join(",", TlsPolicy.CIPHER_SUITES));

    @Override
    public Set<String> getPropertyNames() {
        return VALUES.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return VALUES.get(propertyName);
    }

    @Override
    public String getName() {
        return "mailpipe TLS policy (TlsPolicy)";
    }

    @Override
    public int getOrdinal() {
        return 100;
    }
}
