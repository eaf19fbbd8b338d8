package dev.mailpipe.runtime;

import java.util.List;
import java.util.Set;

/**
 * What every TLS listener offers (the ingress's STARTTLS, the API's HTTPS): Mozilla's
 * "intermediate" configuration (version 5.7), in the JDK's names. TLS 1.2 and 1.3 only; for 1.2 only forward-secret AEAD suites (ECDHE or DHE with
 * AES-GCM or ChaCha20-Poly1305), no CBC, RC4, 3DES, export or anonymous ones.
 */
public final class TlsPolicy {
    public static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

    public static final List<String> CIPHER_SUITES = List.of(
            // TLS 1.3
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            // TLS 1.2
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private TlsPolicy() {
    }
}
