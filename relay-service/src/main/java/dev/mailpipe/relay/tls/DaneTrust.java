package dev.mailpipe.relay.tls;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.net.TrustOptions;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.security.auth.x500.X500Principal;

/**
 * Certificate checks by TLSA records (RFC 7672 3.1, RFC 7671): a server certificate is accepted
 * when a DANE-EE record names it (nothing else about it matters: not its names, not its dates), or
 * when a DANE-TA record names a certificate of the chain the server sent and the chain from that
 * anchor to the server's certificate is valid and carries the MX host's name. One client serves
 * every host: the records of the host being connected to ({@link #expect}) are found by the name
 * the handshake was started for (SNI), which is the MX host's.
 */
public final class DaneTrust extends X509ExtendedTrustManager {
    private final Cache<String, List<Tlsa>> expected;

    public DaneTrust(Duration keep) {
        this.expected = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(keep.multipliedBy(2)).build();
    }

    public TrustOptions options() {
        return TrustOptions.wrap(this);
    }

    /** The usable TLSA records of {@code host}, as validated DNS has them now. */
    public void expect(String host, List<Tlsa> records) {
        expected.put(normal(host), List.copyOf(records));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        String host = engine == null ? null : serverName(engine);
        List<Tlsa> records = host == null ? null : expected.getIfPresent(normal(host));
        if (records == null) {
            throw new CertificateException("no TLSA records known for " + host);
        }
        check(chain, host, records);
    }

    /** The name the handshake was started for (SNI), which is the MX host's; the engine's peer is its address. */
    private static String serverName(SSLEngine engine) {
        for (SNIServerName n : engine.getSSLParameters().getServerNames()) {
            if (n instanceof SNIHostName h) {
                return h.getAsciiName();
            }
        }
        return engine.getPeerHost();
    }

    static void check(X509Certificate[] chain, String host, List<Tlsa> records) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("no certificate");
        }
        for (Tlsa r : records) {
            if (r.usage() == Tlsa.DANE_EE && r.matches(chain[0])) {
                return; // RFC 7672 3.1.1: the key is the server's; names and dates do not count
            }
        }
        String why = "no TLSA record of " + host + " matches the certificate " + chain[0].getSubjectX500Principal().getName();
        for (Tlsa r : records) {
            if (r.usage() != Tlsa.DANE_TA) {
                continue;
            }
            for (int i = 0; i < chain.length; i++) {
                if (r.matches(chain[i])) {
                    validate(chain, i);
                    if (!namesHost(chain[0], host)) {
                        throw new CertificateException("DANE-TA: the certificate " + chain[0].getSubjectX500Principal().getName()
                                + " does not name " + host);
                    }
                    return;
                }
            }
        }
        throw new CertificateException(why);
    }

    /** RFC 7672 3.1.2: PKIX from the chain's certificate {@code anchor} down to the server's, no revocation lookups. */
    private static void validate(X509Certificate[] chain, int anchor) throws CertificateException {
        if (anchor == 0) {
            return; // the server's own certificate is the anchor: nothing lies between
        }
        try {
            var path = CertificateFactory.getInstance("X.509").generateCertPath(Arrays.asList(chain).subList(0, anchor));
            PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(chain[anchor], null)));
            params.setRevocationEnabled(false);
            CertPathValidator.getInstance("PKIX").validate(path, params);
        } catch (GeneralSecurityException e) {
            throw new CertificateException("DANE-TA: the chain from the anchor does not validate: " + e.getMessage(), e);
        }
    }

    /** RFC 7672 3.2.3: the MX host's name among the certificate's DNS names (a wildcard for the leftmost label), else its CN. */
    public static boolean namesHost(X509Certificate cert, String host) {
        String h = normal(host);
        List<String> names = new ArrayList<>();
        try {
            if (cert.getSubjectAlternativeNames() != null) {
                for (List<?> san : cert.getSubjectAlternativeNames()) {
                    if (Integer.valueOf(2).equals(san.get(0))) {
                        names.add(normal((String) san.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return false;
        }
        if (names.isEmpty()) {
            for (String rdn : cert.getSubjectX500Principal().getName(X500Principal.RFC2253).split(",")) {
                if (rdn.startsWith("CN=")) {
                    names.add(normal(rdn.substring(3)));
                }
            }
        }
        for (String n : names) {
            if (n.equals(h) || n.startsWith("*.") && h.indexOf('.') > 0 && h.substring(h.indexOf('.')).equals(n.substring(1))) {
                return true;
            }
        }
        return false;
    }

    private static String normal(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("DANE checks run in an SSLEngine only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("DANE checks need the MX host's name");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw clientOnly();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw clientOnly();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw clientOnly();
    }

    private static CertificateException clientOnly() {
        return new CertificateException("the relay is a client only: it checks no client certificates");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
