package dev.mailpipe.relay.tls;

import io.vertx.core.net.TrustOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Whom the relay trusts where a policy asks for checked TLS (MTA-STS, the policy fetch): the
 * system's CAs (the JDK's trust store), and any more an operator names in
 * {@code mailpipe.relay.trust-store} (PEM), for a private CA.
 */
public final class RelayTrust {
    private final X509TrustManager trust;

    public RelayTrust(Optional<Path> extraPem) {
        try {
            List<X509TrustManager> managers = new ArrayList<>();
            managers.add(managerOf(null));
            if (extraPem.isPresent()) {
                KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
                ks.load(null, null);
                int n = 0;
                try (InputStream in = Files.newInputStream(extraPem.get())) {
                    for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                        ks.setCertificateEntry("extra-" + n++, c);
                    }
                }
                managers.add(managerOf(ks));
            }
            this.trust = new AnyOf(managers);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + extraPem.orElse(null), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no usable trust store", e);
        }
    }

    public TrustOptions options() {
        return TrustOptions.wrap(trust);
    }

    private static X509TrustManager managerOf(KeyStore ks) throws GeneralSecurityException {
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init(ks);
        for (var m : f.getTrustManagers()) {
            if (m instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new IllegalStateException("no X.509 trust manager");
    }

    /** A chain is trusted when one of the stores trusts it. */
    private static final class AnyOf implements X509TrustManager {
        private final List<X509TrustManager> managers;

        AnyOf(List<X509TrustManager> managers) {
            this.managers = managers;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("the relay is a client only");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            CertificateException last = null;
            for (X509TrustManager m : managers) {
                try {
                    m.checkServerTrusted(chain, authType);
                    return;
                } catch (CertificateException e) {
                    last = e;
                }
            }
            throw last;
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return managers.stream().flatMap(m -> java.util.Arrays.stream(m.getAcceptedIssuers())).toArray(X509Certificate[]::new);
        }
    }
}
