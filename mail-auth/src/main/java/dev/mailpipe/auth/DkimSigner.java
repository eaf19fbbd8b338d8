package dev.mailpipe.auth;

import dev.mailpipe.runtime.DkimKeys;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * DKIM signatures (RFC 6376, relaxed/relaxed, no {@code l=}) over the exact bytes that go out,
 * rsa-sha256 and ed25519-sha256 (RFC 8463) alike; each key adds one {@code DKIM-Signature} field on
 * top of the message.
 *
 * <p>What is hashed is {@link DkimCanonical}'s: the body through jDKIM's canonicaliser, the
 * header fields on their bytes.
 */
public final class DkimSigner {
    private final List<String> signed;
    private final Set<String> oversigned;

    /**
     * @param signed the fields to sign when present, in this order: each occurrence, plus one more
     *        (an empty instance, RFC 6376 5.4.2) so that none can be added after signing
     * @param oversigned fields listed even when absent, so that none can be added (From at least)
     */
    public DkimSigner(List<String> signed, Set<String> oversigned) {
        this.signed = signed.stream().map(s -> s.trim().toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty()).distinct().toList();
        this.oversigned = oversigned.stream().map(s -> s.trim().toLowerCase(Locale.ROOT)).collect(java.util.stream.Collectors.toSet());
    }

    /** {@code message} (every line ending in CRLF) with one signature per key on top. */
    public byte[] sign(byte[] message, List<DkimKeys.Key> keys, Instant now) {
        if (keys.isEmpty()) {
            return message;
        }
        HeaderFields head = HeaderFields.of(message);
        String h = String.join(":", headerList(head));
        String bh = Base64.getEncoder().encodeToString(DkimCanonical.bodyHash(message, head.bodyStart, true, "sha-256", -1));
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length + 700 * keys.size());
        // Each signature covers the message as it was before any of them: none signs another.
        for (DkimKeys.Key key : keys) {
            String stub = "DKIM-Signature: v=1; a=" + key.algorithm().tag + "; c=relaxed/relaxed; d=" + key.domain()
                    + "; s=" + key.selector() + ";\r\n\tt=" + now.getEpochSecond() + "; h=" + fold(h) + ";\r\n\tbh=" + bh
                    + ";\r\n\tb=";
            byte[] signature = signature(key, head, headerList(head), stub.getBytes(StandardCharsets.US_ASCII));
            out.writeBytes((stub + foldBase64(Base64.getEncoder().encodeToString(signature)) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes(message);
        return out.toByteArray();
    }

    /** The h= list: every signed field present, once more than it occurs, and the over-signed ones. */
    private List<String> headerList(HeaderFields head) {
        List<String> names = new ArrayList<>();
        for (String name : signed) {
            int n = head.count(name);
            int times = n > 0 ? n + 1 : oversigned.contains(name) ? 1 : 0;
            for (int i = 0; i < times; i++) {
                names.add(name);
            }
        }
        return names;
    }

    /** RFC 6376 3.7 over the canonical data, for rsa-sha256 or ed25519-sha256 (RFC 8463 3). */
    private static byte[] signature(DkimKeys.Key key, HeaderFields head, List<String> names, byte[] stub) {
        byte[] data = DkimCanonical.headerData(head, names, stub, true);
        try {
            if (key.algorithm() == DkimKeys.Algorithm.ED25519_SHA256) {
                Signature ed = Signature.getInstance("Ed25519");
                ed.initSign(key.privateKey());
                ed.update(MessageDigest.getInstance("SHA-256").digest(data));
                return ed.sign();
            }
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initSign(key.privateKey());
            rsa.update(data);
            return rsa.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with " + key.domain() + "/" + key.selector(), e);
        }
    }

    /** The h= value over lines of about 70 characters, folded before a colon (RFC 6376 3.5 allows FWS there). */
    private static String fold(String h) {
        StringBuilder sb = new StringBuilder();
        int line = 0;
        for (String name : h.split(":")) {
            if (sb.length() > 0) {
                if (line + name.length() > 60) {
                    sb.append("\r\n\t");
                    line = 0;
                }
                sb.append(':');
            }
            sb.append(name);
            line += name.length() + 1;
        }
        return sb.toString();
    }

    private static String foldBase64(String b64) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < b64.length(); i += 70) {
            sb.append(i == 0 ? "" : "\r\n\t ").append(b64, i, Math.min(b64.length(), i + 70));
        }
        return sb.toString();
    }
}
