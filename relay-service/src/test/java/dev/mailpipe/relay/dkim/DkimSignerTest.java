package dev.mailpipe.relay.dkim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.auth.DkimCanonical;
import dev.mailpipe.auth.DkimSigner;
import dev.mailpipe.peers.DebianPeers;
import dev.mailpipe.peers.Dkimpy;
import dev.mailpipe.peers.DnsServer;
import dev.mailpipe.runtime.DkimKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signatures made by {@link DkimSigner} with keys {@link DkimKeys} created, checked by two
 * verifiers that share no code with it: python3-dkim (dkimpy), and OpenDKIM's
 * {@code opendkim-testmsg}, which looks the keys up in DNS (NSD on loopback, through a
 * resolv.conf of its own).
 */
@Tag("unit")
class DkimSignerTest {
    @TempDir
    static Path tmp;
    static List<DkimKeys.Key> keys;
    static Path zone;

    static final DkimSigner SIGNER = new DkimSigner(List.of("from", "to", "subject", "date", "message-id", "reply-to",
            "mime-version", "content-type", "content-transfer-encoding"), Set.of("from", "reply-to", "subject"));

    static final String MESSAGE = "From: Alice Example <alice@example.test>\r\n"
            + "To: bob@remote.test,\r\n\t carol@remote.test\r\n"
            + "Subject:   a   folded\r\n  subject with  spaces \r\n"
            + "Date: Tue, 1 Dec 2026 12:00:00 +0000\r\n"
            + "Message-ID: <1@example.test>\r\n"
            + "X-Unsigned: anything\r\n"
            + "\r\n"
            + "Hello Bob,  \r\n"
            + "\r\n"
            + "a line with trailing spaces   \r\n"
            + ".a line that will be dot-stuffed\r\n"
            + "\r\n\r\n";

    @BeforeAll
    static void keys() throws Exception {
        DebianPeers.require("python:dkim");
        keys = DkimKeys.loadOrCreate(tmp.resolve("keys"), "example.test");
        StringBuilder z = new StringBuilder("$ORIGIN example.test.\n$TTL 60\n"
                + "@ IN SOA ns.example.test. hostmaster.example.test. 1 60 60 60 60\n@ IN NS ns.example.test.\nns IN A 127.0.0.1\n");
        for (DkimKeys.Key k : keys) {
            z.append(DkimKeys.zoneEntry(k));
        }
        zone = Files.writeString(tmp.resolve("example.test.zone"), z);
    }

    @Test
    void keysAreCreatedOnceAsOpendkimGenkeyLaysThemOut() throws Exception {
        assertEquals(List.of(DkimKeys.ED25519_SELECTOR, DkimKeys.RSA_SELECTOR), keys.stream().map(DkimKeys.Key::selector).toList());
        Path dir = tmp.resolve("keys/example.test");
        assertTrue(Files.readString(dir.resolve("mailpipe-rsa.private")).startsWith("-----BEGIN PRIVATE KEY-----"));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("mailpipe-ed25519.private"))));
        assertTrue(Files.readString(dir.resolve("mailpipe-ed25519.txt")).startsWith("mailpipe-ed25519._domainkey\tIN\tTXT\t( \"v=DKIM1; k=ed25519; p="));
        // Read again, the same keys: nothing is created twice.
        assertEquals(keys.get(1).publicKeyTag(), DkimKeys.loadOrCreate(tmp.resolve("keys"), "example.test").get(1).publicKeyTag());
        assertEquals(keys.get(0).publicKeyTag(), DkimKeys.load(tmp.resolve("keys"), "example.test").get(0).publicKeyTag());
    }

    @Test
    void bothSignaturesVerifyWithDkimpy() throws Exception {
        byte[] signed = SIGNER.sign(MESSAGE.getBytes(StandardCharsets.US_ASCII), keys, Instant.now());
        String out = dkimpy(signed);
        assertEquals("example.test mailpipe-ed25519 pass\nexample.test mailpipe-rsa pass\n", out);
        String head = new String(signed, StandardCharsets.US_ASCII);
        assertTrue(head.contains("c=relaxed/relaxed"), head);
        assertFalse(head.contains(" l="), head);
        // Each field listed once more than it occurs; Reply-To, over-signed, listed although absent.
        assertTrue(head.replaceAll("\\s", "").contains("h=from:from:to:to:subject:subject:date:date:message-id:message-id:reply-to;"), head);
    }

    @Test
    void aChangedSubjectOrAnAddedFromFailsVerification() throws Exception {
        String signed = new String(SIGNER.sign(MESSAGE.getBytes(StandardCharsets.US_ASCII), keys, Instant.now()), StandardCharsets.US_ASCII);
        assertEquals("example.test mailpipe-ed25519 fail\nexample.test mailpipe-rsa fail\n",
                dkimpy(signed.replace("with  spaces", "with  offers").getBytes(StandardCharsets.US_ASCII)));
        String addedFrom = signed.replace("X-Unsigned: anything\r\n", "X-Unsigned: anything\r\nFrom: mallory@evil.test\r\n");
        assertEquals("example.test mailpipe-ed25519 fail\nexample.test mailpipe-rsa fail\n",
                dkimpy(addedFrom.getBytes(StandardCharsets.US_ASCII)));
        // An unsigned field may be added: it is not in h=.
        String addedUnsigned = signed.replace("X-Unsigned: anything\r\n", "X-Unsigned: anything\r\nX-Other: x\r\n");
        assertEquals("example.test mailpipe-ed25519 pass\nexample.test mailpipe-rsa pass\n",
                dkimpy(addedUnsigned.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void opendkimVerifiesEachAlgorithmThroughDnsOnLoopback() throws Exception {
        DebianPeers.require("opendkim-testmsg", "nsd");
        Path dir = tmp.resolve("opendkim");
        try (DnsServer dns = DnsServer.serve(dir, "127.0.0.97", 53, Map.of("example.test", Files.readString(zone)))) {
            // One signature at a time: opendkim-testmsg passes a message when any one signature verifies.
            for (DkimKeys.Key key : keys) {
                byte[] signed = SIGNER.sign(MESSAGE.getBytes(StandardCharsets.US_ASCII), List.of(key), Instant.now());
                assertEquals("", opendkim(dns, dir, signed), key.selector());
                String tampered = new String(signed, StandardCharsets.US_ASCII).replace("Hello Bob", "Hello Eve");
                assertTrue(opendkim(dns, dir, tampered.getBytes(StandardCharsets.US_ASCII)).contains("Bad signature"),
                        key.selector() + ": a changed body must fail");
            }
        }
    }

    @Test
    void relaxedCanonicalisationOfOneField() {
        assertEquals("subject:a folded subject with spaces",
                new String(DkimCanonical.relaxed("Subject \t:   a   folded\r\n  subject with  spaces \t".getBytes()), StandardCharsets.US_ASCII));
    }

    /** opendkim-testmsg's complaints; empty when every signature verified. */
    static String opendkim(DnsServer dns, Path dir, byte[] message) throws Exception {
        Path in = Files.write(dir.resolve("in.eml"), message);
        List<String> command = new ArrayList<>(dns.resolvConf(dir, List.of("opendkim-testmsg")));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(in.toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return p.exitValue() == 0 ? out : out + " (exit " + p.exitValue() + ")";
    }

    static String dkimpy(byte[] message) throws Exception {
        return Dkimpy.verify(message, zone, tmp);
    }
}
