package dev.mailpipe.relay;

import dev.mailpipe.model.DkimKeys;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
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
import org.apache.james.jdkim.impl.BodyHasherImpl;
import org.apache.james.jdkim.tagvalue.SignatureRecordTemplate;

/**
 * DKIM signatures (RFC 6376, relaxed/relaxed, no {@code l=}) over the exact bytes that go out,
 * rsa-sha256 and ed25519-sha256 (RFC 8463) alike; each key adds one {@code DKIM-Signature} field on
 * top of the message.
 *
 * <p>The body hash is jDKIM's (its relaxed body canonicaliser, through its low-level
 * {@link BodyHasherImpl}). The header canonicalisation is done here on bytes: jDKIM's works on
 * Strings and turns them back into bytes in the JVM's default charset, which would change any
 * non-ASCII header (SMTPUTF8 mail) on a JVM started without a UTF-8 locale.
 */
final class DkimSigner {
    private final List<String> signed;
    private final Set<String> oversigned;

    /**
     * @param signed the fields to sign when present, in this order: each occurrence, plus one more
     *        (an empty instance, RFC 6376 5.4.2) so that none can be added after signing
     * @param oversigned fields listed even when absent, so that none can be added (From at least)
     */
    DkimSigner(List<String> signed, Set<String> oversigned) {
        this.signed = signed.stream().map(s -> s.trim().toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty()).distinct().toList();
        this.oversigned = oversigned.stream().map(s -> s.trim().toLowerCase(Locale.ROOT)).collect(java.util.stream.Collectors.toSet());
    }

    /** {@code message} (every line ending in CRLF) with one signature per key on top. */
    byte[] sign(byte[] message, List<DkimKeys.Key> keys, Instant now) {
        if (keys.isEmpty()) {
            return message;
        }
        HeaderFields head = HeaderFields.of(message);
        String h = String.join(":", headerList(head));
        String bh = Base64.getEncoder().encodeToString(bodyHash(message, head.bodyStart));
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

    private static byte[] bodyHash(byte[] message, int bodyStart) {
        try {
            BodyHasherImpl hasher = new BodyHasherImpl(new SignatureRecordTemplate(
                    "v=1; a=rsa-sha256; c=relaxed/relaxed; d=x; s=x; h=from; bh=; b="));
            try (OutputStream body = hasher.getOutputStream()) {
                body.write(message, bodyStart, message.length - bodyStart);
            }
            return hasher.getDigest();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (org.apache.james.jdkim.exceptions.PermFailException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * RFC 6376 3.7: the listed fields, bottom-up for repeated names, each canonicalised and ended by
     * CRLF, then this signature's own field with an empty b= and no CRLF.
     */
    private static byte[] signature(DkimKeys.Key key, HeaderFields head, List<String> names, byte[] stub) {
        ByteArrayOutputStream data = new ByteArrayOutputStream(1024);
        java.util.Map<String, Integer> used = new java.util.HashMap<>();
        for (String name : names) {
            int seen = used.merge(name, 1, Integer::sum);
            HeaderFields.Field f = nthFromBottom(head, name, seen);
            if (f != null) {
                data.writeBytes(relaxed(f.raw()));
                data.writeBytes(new byte[] {'\r', '\n'});
            }
        }
        data.writeBytes(relaxed(stub));
        try {
            if (key.algorithm() == DkimKeys.Algorithm.ED25519_SHA256) {
                // RFC 8463 3: Ed25519 (pure) over the SHA-256 hash of the canonical data.
                Signature ed = Signature.getInstance("Ed25519");
                ed.initSign(key.privateKey());
                ed.update(MessageDigest.getInstance("SHA-256").digest(data.toByteArray()));
                return ed.sign();
            }
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initSign(key.privateKey());
            rsa.update(data.toByteArray());
            return rsa.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with " + key.domain() + "/" + key.selector(), e);
        }
    }

    private static HeaderFields.Field nthFromBottom(HeaderFields head, String name, int n) {
        for (int i = head.fields.size() - 1; i >= 0; i--) {
            if (head.fields.get(i).is(name) && --n == 0) {
                return head.fields.get(i);
            }
        }
        return null;
    }

    /**
     * RFC 6376 3.4.2 relaxed header canonicalisation of one field's bytes: name in lower case, the
     * value unfolded, each run of white space one space, none at the ends or around the colon.
     */
    static byte[] relaxed(byte[] raw) {
        int colon = 0;
        while (colon < raw.length && raw[colon] != ':') {
            colon++;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
        int nameEnd = colon;
        while (nameEnd > 0 && (raw[nameEnd - 1] == ' ' || raw[nameEnd - 1] == '\t')) {
            nameEnd--;
        }
        for (int i = 0; i < nameEnd; i++) {
            byte b = raw[i];
            out.write(b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b);
        }
        out.write(':');
        boolean space = false;
        boolean started = false;
        for (int i = colon + 1; i < raw.length; i++) {
            byte b = raw[i];
            if (b == '\r' || b == '\n' || b == ' ' || b == '\t') {
                space = true;
                continue;
            }
            if (space && started) {
                out.write(' ');
            }
            space = false;
            started = true;
            out.write(b);
        }
        return out.toByteArray();
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
