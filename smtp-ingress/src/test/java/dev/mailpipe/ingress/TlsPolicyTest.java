package dev.mailpipe.ingress;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.kafka.LocalKafkaResource;
import dev.mailpipe.peers.DebianPeers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** STARTTLS as a scanner sees it (sslscan, from Debian), and a certificate replaced on disk served without restart. */
@QuarkusTest
@TestProfile(TlsPolicyTest.QuickReload.class)
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TlsKeystoreResource.class, restrictToAnnotatedClass = true)
@Tag("service")
class TlsPolicyTest {
    public static class QuickReload implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mailpipe.ingress.tls.reload-check", "300ms");
        }
    }

    @Inject
    SmtpIngress ingress;

    @Test
    void onlyTls12And13AndOnlyForwardSecretAeadSuites() throws Exception {
        DebianPeers.require("sslscan");
        // Protocols and suites only: probing every key-exchange group takes minutes and says nothing here.
        Process p = new ProcessBuilder("sslscan", "--no-colour", "--no-groups", "--no-heartbleed", "--no-renegotiation",
                "--no-compression", "--no-fallback", "--starttls-smtp", "127.0.0.1:" + ingress.port())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        for (String old : List.of("SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1")) {
            Matcher m = Pattern.compile("(?m)^" + Pattern.quote(old) + "\\s+(\\w+)").matcher(out);
            assertTrue(!m.find() || m.group(1).equals("disabled"), old + " must be off:\n" + out);
        }
        assertTrue(Pattern.compile("(?m)^TLSv1\\.2\\s+enabled").matcher(out).find(), out);
        assertTrue(Pattern.compile("(?m)^TLSv1\\.3\\s+enabled").matcher(out).find(), out);
        Matcher accepted = Pattern.compile("(?m)^(?:Preferred|Accepted)\\s+(TLSv1\\.[23])\\s+\\d+ bits\\s+(\\S+)").matcher(out);
        int suites = 0;
        while (accepted.find()) {
            suites++;
            String suite = accepted.group(2);
            assertTrue(suite.contains("GCM") || suite.contains("CHACHA20"), "not an AEAD suite: " + suite + "\n" + out);
            assertTrue(accepted.group(1).equals("TLSv1.3") || suite.startsWith("ECDHE-") || suite.startsWith("DHE-"),
                    "not forward secret: " + suite + "\n" + out);
            assertFalse(suite.matches(".*(CBC|RC4|DES|NULL|EXP|ANON|MD5).*"), suite);
        }
        assertTrue(suites >= 3, out);
    }

    @Test
    void aReplacedCertificateIsServedWithoutRestart() throws Exception {
        assertTrue(subject().contains("CN=mailpipe.localhost"), subject());
        Path keystore = Path.of(ConfigProvider.getConfig().getValue("mailpipe.ingress.tls.keystore", String.class));
        Path fresh = keystore.resolveSibling("rotated.p12");
        TlsKeystoreResource.make(fresh, "rotated.localhost");
        // As cert-manager's Secret update does: the new file takes the old one's name at once.
        Files.move(fresh, keystore, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        await().atMost(Duration.ofSeconds(15)).until(() -> subject().contains("CN=rotated.localhost"));
    }

    private String subject() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.greeted(ingress.port())) {
            assertEquals("220 2.0.0 Ready to start TLS", c.send("STARTTLS"));
            c.startTls();
            return c.serverCertificateSubject();
        }
    }
}
