package dev.mailpipe.ingress;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A self-signed server certificate made with the JDK's keytool, for STARTTLS tests. */
public class TlsKeystoreResource implements QuarkusTestResourceLifecycleManager {
    static final String PASSWORD = "test-keystore";
    private Path dir;

    @Override
    public Map<String, String> start() {
        try {
            dir = Files.createTempDirectory("mailpipe-tls-");
            Path keystore = dir.resolve("ingress.p12");
            make(keystore, "mailpipe.localhost");
            return Map.of("mailpipe.ingress.tls.keystore", keystore.toString(),
                    "mailpipe.ingress.tls.keystore-password", PASSWORD);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A new self-signed keystore for {@code name} at {@code keystore}, with the test password. */
    static void make(Path keystore, String name) throws Exception {
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "mailpipe", "-keyalg", "RSA", "-keysize", "2048", "-validity", "30",
                "-dname", "CN=" + name, "-ext", "SAN=dns:" + name + ",ip:127.0.0.1",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException("keytool failed: " + out);
        }
    }

    @Override
    public void stop() {
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (java.io.IOException e) {
                // a few KiB left in /tmp
            }
        }
    }
}
