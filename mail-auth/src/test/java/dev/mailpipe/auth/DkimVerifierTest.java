package dev.mailpipe.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mailpipe.peers.DebianPeers;
import dev.mailpipe.runtime.DkimKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verifier against signatures it did not make (python3-dkim's {@code dkimsign}, with a key
 * from OpenDKIM's {@code opendkim-genkey}) and against mailpipe's own signer; what fails fails
 * for the reason RFC 6376 and 8301 give.
 */
@Tag("unit")
class DkimVerifierTest {
    @TempDir
    static Path tmp;
    static final Map<String, String> DNS = new HashMap<>();
    static final DkimVerifier VERIFIER = new DkimVerifier(name -> {
        if (name.startsWith("broken.")) {
            throw new DkimVerifier.TemporaryFailure("SERVFAIL");
        }
        String txt = DNS.get(name.toLowerCase());
        return txt == null ? List.of() : List.of(txt);
    });
    static List<DkimKeys.Key> ours;
    static Path opendkimKey;
    static Path edSeed;

    static final String MESSAGE = "From: Frank <frank@sender.test>\r\nTo: alice@example.test\r\n"
            + "Subject:  signed   elsewhere\r\nDate: Tue, 1 Dec 2026 12:00:00 +0000\r\n\r\n"
            + "Hello  Alice,   \r\n\r\nbye\r\n\r\n";

    @BeforeAll
    static void keys() throws Exception {
        DebianPeers.require("opendkim-genkey", "dkimsign");
        ours = DkimKeys.loadOrCreate(tmp.resolve("ours"), "sender.test");
        ours.forEach(k -> DNS.put(k.recordName(), k.recordText()));
        run(List.of("opendkim-genkey", "-d", "sender.test", "-s", "od", "-D", tmp.toString()), null);
        opendkimKey = tmp.resolve("od.private");
        DkimKeys.Key od = DkimKeys.read("sender.test", "od", Files.readString(opendkimKey));
        DNS.put(od.recordName(), od.recordText());
        // dkimsign's ed25519 key file: the base64 of the 32-octet seed, which ends the PKCS#8 form.
        DkimKeys.Key ed = ours.stream().filter(k -> k.algorithm() == DkimKeys.Algorithm.ED25519_SHA256).findFirst().orElseThrow();
        byte[] pkcs8 = ed.privateKey().getEncoded();
        edSeed = Files.writeString(tmp.resolve("ed.seed"), Base64.getEncoder().encodeToString(
                java.util.Arrays.copyOfRange(pkcs8, pkcs8.length - 32, pkcs8.length)));
    }

    @Test
    void dkimsignsSignaturesVerify() throws Exception {
        for (String bcanon : List.of("simple", "relaxed")) {
            for (String hcanon : List.of("simple", "relaxed")) {
                byte[] signed = dkimsign("od", opendkimKey, "rsa-sha256", hcanon, bcanon);
                assertEquals("pass od", verdicts(signed), hcanon + "/" + bcanon);
            }
        }
        byte[] ed = dkimsign(DkimKeys.ED25519_SELECTOR, edSeed, "ed25519-sha256", "relaxed", "relaxed");
        assertEquals("pass " + DkimKeys.ED25519_SELECTOR, verdicts(ed));
        assertEquals("permerror od", verdicts(dkimsign("od", opendkimKey, "rsa-sha1", "relaxed", "simple")),
                "rsa-sha1 is refused (RFC 8301)");
    }

    @Test
    void mailpipesOwnSignaturesVerifyAndTamperingFails() {
        DkimSigner signer = new DkimSigner(List.of("from", "to", "subject", "date"), Set.of("from", "subject"));
        String signed = new String(signer.sign(MESSAGE.getBytes(StandardCharsets.US_ASCII), ours, Instant.now()),
                StandardCharsets.US_ASCII);
        assertEquals("pass mailpipe-ed25519, pass mailpipe-rsa", verdicts(signed.getBytes(StandardCharsets.US_ASCII)));
        List<DkimVerifier.Result> body = VERIFIER.verify(signed.replace("bye", "buy").getBytes(StandardCharsets.US_ASCII));
        assertEquals("fail body hash did not verify", body.get(0).result() + " " + body.get(0).reason());
        List<DkimVerifier.Result> header = VERIFIER.verify(signed.replace("elsewhere", "here").getBytes(StandardCharsets.US_ASCII));
        assertEquals("fail signature did not verify", header.get(1).result() + " " + header.get(1).reason());
        // Only white space changed, relaxed/relaxed: still good.
        assertEquals("pass mailpipe-ed25519, pass mailpipe-rsa", verdicts(signed.replace("Hello  Alice,", "Hello Alice,")
                .getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void aThousandSignaturesCostNoMoreThanTheLimit() {
        DkimSigner signer = new DkimSigner(List.of("from", "to", "subject", "date"), Set.of("from", "subject"));
        String signed = new String(signer.sign(MESSAGE.getBytes(StandardCharsets.US_ASCII), ours, Instant.now()),
                StandardCharsets.US_ASCII);
        int split = signed.indexOf("\r\nFrom:") + 2;
        String signatures = signed.substring(0, split);
        java.util.concurrent.atomic.AtomicInteger lookups = new java.util.concurrent.atomic.AtomicInteger();
        DkimVerifier counting = new DkimVerifier(name -> {
            lookups.incrementAndGet();
            String txt = DNS.get(name.toLowerCase());
            return txt == null ? List.of() : List.of(txt);
        });
        byte[] many = (signatures.repeat(500) + signed.substring(split)).getBytes(StandardCharsets.US_ASCII);
        List<DkimVerifier.Result> r = counting.verify(many, 5);
        assertEquals(1000, r.size(), "every signature is reported");
        assertEquals(5, r.stream().filter(DkimVerifier.Result::pass).count());
        assertEquals(995, r.stream().filter(x -> x.result().equals("policy")).count());
        assertEquals(5, lookups.get(), "a key lookup for the checked ones only");
    }

    @Test
    void missingKeysAndDnsTroubleAreNamed() {
        DkimSigner signer = new DkimSigner(List.of("from"), Set.of());
        DkimKeys.Key rsa = ours.get(1);
        DkimKeys.Key nokey = new DkimKeys.Key("sender.test", "gone", rsa.algorithm(), rsa.privateKey(), rsa.publicKey());
        DkimKeys.Key broken = new DkimKeys.Key("sender.test", "broken", rsa.algorithm(), rsa.privateKey(), rsa.publicKey());
        byte[] signed = signer.sign(MESSAGE.getBytes(StandardCharsets.US_ASCII), List.of(nokey, broken), Instant.now());
        List<DkimVerifier.Result> r = VERIFIER.verify(signed);
        assertEquals("permerror no key at gone._domainkey.sender.test", r.get(0).result() + " " + r.get(0).reason());
        assertEquals("temperror", r.get(1).result());
        assertEquals("permerror", VERIFIER.verify(("DKIM-Signature: v=1; a=rsa-sha256; d=x\r\n" + MESSAGE)
                .getBytes(StandardCharsets.US_ASCII)).get(0).result(), "a signature without its required tags");
    }

    private static String verdicts(byte[] message) {
        List<String> out = new ArrayList<>();
        for (DkimVerifier.Result r : VERIFIER.verify(CrlfLines.of(message))) {
            out.add(r.result() + " " + r.selector());
        }
        return String.join(", ", out);
    }

    private static byte[] dkimsign(String selector, Path key, String alg, String hcanon, String bcanon) throws Exception {
        byte[] sig = run(List.of("dkimsign", "--signalg", alg, "--hcanon", hcanon, "--bcanon", bcanon, selector, "sender.test",
                key.toString()), MESSAGE.getBytes(StandardCharsets.US_ASCII));
        return sig;
    }

    private static byte[] run(List<String> command, byte[] input) throws Exception {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        if (input != null) {
            p.getOutputStream().write(input);
        }
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor(), String.join(" ", command));
        return out;
    }
}
