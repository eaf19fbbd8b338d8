package dev.mailpipe.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mailpipe.kafka.LocalKafkaResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The API over HTTPS when given a key store: TLS 1.2 and 1.3 with strong suites only. */
@QuarkusTest
@TestProfile(HttpsApiTest.WithKeyStore.class)
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@Tag("service")
class HttpsApiTest {
    static final String PASSWORD = "https-test";

    public static class WithKeyStore implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Path dir = Files.createTempDirectory("mailpipe-https-");
                Path p12 = dir.resolve("api.p12");
                Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                        "-genkeypair", "-alias", "api", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                        "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-storetype", "PKCS12",
                        "-keystore", p12.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes());
                if (p.waitFor() != 0) {
                    throw new IllegalStateException(out);
                }
                p12.toFile().deleteOnExit();
                dir.toFile().deleteOnExit();
                return Map.of("quarkus.tls.key-store.p12.path", p12.toString(), "quarkus.tls.key-store.p12.password", PASSWORD);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @TestHTTPResource(value = "/api/mailboxes", tls = true)
    URL https;

    private SSLSocket connect(String protocol, String... suites) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] c, String a) {
            }

            public void checkServerTrusted(X509Certificate[] c, String a) {
            }

            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(https.getHost(), https.getPort());
        s.setSoTimeout(10_000);
        s.setEnabledProtocols(new String[] {protocol});
        if (suites.length > 0) {
            s.setEnabledCipherSuites(suites);
        }
        return s;
    }

    @Test
    void theAdministratorIsServedOverTls13And12() throws Exception {
        for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
            try (SSLSocket s = connect(protocol)) {
                String auth = Base64.getEncoder().encodeToString(("admin:test-admin-secret").getBytes(StandardCharsets.UTF_8));
                s.getOutputStream().write(("GET /api/mailboxes HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic " + auth
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                String status = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                assertEquals("HTTP/1.1 200", status, protocol);
                assertEquals(protocol, s.getSession().getProtocol());
            }
        }
    }

    @Test
    void aScannerFindsNoOldProtocolAndNoWeakSuite() throws Exception {
        dev.mailpipe.peers.DebianPeers.require("sslscan");
        Process p = new ProcessBuilder("sslscan", "--no-colour", "--no-groups", "--no-heartbleed", "--no-renegotiation",
                "--no-compression", "--no-fallback", https.getHost() + ":" + https.getPort()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        for (String old : List.of("SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + java.util.regex.Pattern.quote(old) + "\\s+(\\w+)")
                    .matcher(out);
            org.junit.jupiter.api.Assertions.assertTrue(!m.find() || m.group(1).equals("disabled"), old + ":\n" + out);
        }
        java.util.regex.Matcher suites = java.util.regex.Pattern.compile("(?m)^(?:Preferred|Accepted)\\s+TLSv1\\.[23]\\s+\\d+ bits\\s+(\\S+)")
                .matcher(out);
        int n = 0;
        while (suites.find()) {
            n++;
            String suite = suites.group(1);
            org.junit.jupiter.api.Assertions.assertTrue((suite.contains("GCM") || suite.contains("CHACHA20"))
                    && !suite.matches(".*(CBC|RC4|DES|NULL|EXP|ANON|MD5).*"), suite + "\n" + out);
        }
        org.junit.jupiter.api.Assertions.assertTrue(n >= 3, out);
    }

    @Test
    void aClientOfferingOnlyWeakSuitesIsRefused() {
        assertThrows(SSLHandshakeException.class, () -> {
            try (SSLSocket s = connect("TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256")) {
                s.startHandshake();
            }
        }, "CBC and static-RSA suites");
    }
}
