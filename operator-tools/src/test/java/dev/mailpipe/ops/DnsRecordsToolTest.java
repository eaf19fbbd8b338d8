package dev.mailpipe.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.runtime.DkimKeys;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code ./mailpipe dns-records} prints: zone-file lines NSD's own checker accepts. */
@Tag("unit")
class DnsRecordsToolTest {
    @TempDir
    Path tmp;

    @Test
    void eachKeysRecordAndTheDomainsSpfAndDmarc() throws Exception {
        List<DkimKeys.Key> keys = DkimKeys.loadOrCreate(tmp.resolve("dkim"), "example.test");
        String out = print(tmp.resolve("dkim"));
        for (DkimKeys.Key k : keys) {
            assertTrue(out.replace("\" \"", "").contains(k.recordName() + ". 3600 IN TXT \"" + k.recordText() + "\""), out);
        }
        assertTrue(out.contains("example.test. 3600 IN TXT \"v=spf1 mx -all\""), out);
        assertTrue(out.contains("_dmarc.example.test. 3600 IN TXT \"v=DMARC1; p=none; adkim=r; aspf=r; rua=mailto:postmaster@example.test\""), out);
        for (String line : out.split("\n")) {
            for (String s : line.split("\"")) {
                assertTrue(s.length() <= 255, "a TXT string longer than 255 octets: " + line);
            }
        }

        // As a zone, behind an SOA: nsd-checkzone (Debian's nsd) parses it.
        Path zone = Files.writeString(tmp.resolve("example.test.zone"), "$TTL 3600\n"
                + "example.test. IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 60\n"
                + "example.test. IN NS ns.example.test.\nns.example.test. IN A 127.0.0.1\n" + out);
        Process check = new ProcessBuilder("nsd-checkzone", "example.test", zone.toString()).redirectErrorStream(true).start();
        String said = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, check.waitFor(), said);
    }

    @Test
    void theIngresssKeyAsTlsaAndAnMtaStsRecord() throws Exception {
        DkimKeys.loadOrCreate(tmp.resolve("dkim"), "example.test");
        Path ks = tmp.resolve("ingress.p12");
        run("keytool", "-genkeypair", "-alias", "mx", "-keyalg", "EC", "-dname", "CN=mx.example.test", "-storetype", "PKCS12",
                "-keystore", ks.toString(), "-storepass", "secret", "-keypass", "secret");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        assertTrue(DnsRecordsTool.print(tmp.resolve("dkim"), new DnsRecordsTool.Listener(ks, "secret", "mx.example.test"),
                new PrintStream(bytes, true, StandardCharsets.UTF_8)));
        String out = bytes.toString(StandardCharsets.UTF_8);
        // The same hash by openssl alone: the certificate's public key, DER, SHA-256.
        String spki = run("sh", "-c", "openssl pkcs12 -in " + ks + " -nokeys -passin pass:secret | openssl x509 -pubkey -noout"
                + " | openssl pkey -pubin -outform der | sha256sum").split(" ")[0];
        assertTrue(out.contains("_25._tcp.mx.example.test. 3600 IN TLSA 3 1 1 " + spki + "\n"), out);
        assertTrue(out.matches("(?s).*_mta-sts\\.example\\.test\\. 3600 IN TXT \"v=STSv1; id=[0-9]{8}\".*"), out);
        Path zone = Files.writeString(tmp.resolve("tlsa.zone"), "$TTL 3600\n"
                + "example.test. IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 60\n"
                + "example.test. IN NS ns.example.test.\nns.example.test. IN A 127.0.0.1\n" + out);
        assertEquals("", run("sh", "-c", "nsd-checkzone example.test " + zone + " >/dev/null || echo refused"));
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
        return out.trim();
    }

    @Test
    void noKeysYetIsSaid() throws Exception {
        assertFalse(DnsRecordsTool.print(tmp.resolve("none"), new PrintStream(new ByteArrayOutputStream())));
    }

    private static String print(Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        assertTrue(DnsRecordsTool.print(dir, new PrintStream(bytes, true, StandardCharsets.UTF_8)));
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
