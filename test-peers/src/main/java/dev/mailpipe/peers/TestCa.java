package dev.mailpipe.peers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A certificate authority of a test's own, made with openssl: its certificate is what the client
 * under test is told to trust, and it signs the servers' certificates for the names they answer.
 */
public final class TestCa {
    public final Path dir;
    public final Path cert;
    private final Path key;

    private TestCa(Path dir, Path cert, Path key) {
        this.dir = dir;
        this.cert = cert;
        this.key = key;
    }

    public static TestCa create(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path cert = dir.resolve("ca.pem");
        Path key = dir.resolve("ca.key");
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=mailpipe test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                "-keyout", key.toString(), "-out", cert.toString());
        return new TestCa(dir, cert, key);
    }

    /** A server certificate for these DNS names, signed by this CA: {cert, key} (the cert's file holds the chain). */
    public Path[] issue(String name, String... dnsNames) throws IOException, InterruptedException {
        Path k = dir.resolve(name + ".key");
        Path csr = dir.resolve(name + ".csr");
        Path c = dir.resolve(name + ".pem");
        openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + dnsNames[0], "-keyout", k.toString(),
                "-out", csr.toString());
        List<String> san = new ArrayList<>();
        for (String d : dnsNames) {
            san.add("DNS:" + d);
        }
        Path ext = Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=" + String.join(",", san)
                + "\nextendedKeyUsage=serverAuth\n");
        openssl(dir, "x509", "-req", "-in", csr.toString(), "-CA", cert.toString(), "-CAkey", key.toString(),
                "-CAcreateserial", "-days", "2", "-extfile", ext.toString(), "-out", c.toString());
        Files.writeString(c, Files.readString(c) + Files.readString(cert));
        return new Path[] {c, k};
    }

    static void openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("openssl " + String.join(" ", args) + " failed: " + out);
        }
    }
}
