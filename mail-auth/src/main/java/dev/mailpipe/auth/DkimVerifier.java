package dev.mailpipe.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.james.jdkim.api.SignatureRecord;
import org.apache.james.jdkim.tagvalue.PublicKeyRecordImpl;
import org.apache.james.jdkim.tagvalue.SignatureRecordImpl;

/**
 * Verifies every DKIM-Signature of a message (RFC 6376 6), rsa-sha256 and ed25519-sha256 (RFC
 * 8463), over the same canonical data {@link DkimSigner} signs. jDKIM parses and checks the
 * signature and key records and canonicalises the body; rsa-sha1 and RSA keys under 1024 bits are
 * refused (RFC 8301). One {@link Result} per signature, in the order of the fields.
 */
public final class DkimVerifier {
    /** The TXT records of a name; empty when it has none. */
    public interface KeyRecords {
        List<String> txt(String name) throws TemporaryFailure;
    }

    /** The DNS did not answer: the result is temperror, and a later try may pass. */
    public static final class TemporaryFailure extends Exception {
        public TemporaryFailure(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * One signature's verdict, with RFC 8601's words: {@code pass}, {@code fail}, {@code neutral},
     * {@code temperror} or {@code permerror}; {@code domain} and {@code selector} are null when the
     * signature could not be read.
     */
    public record Result(String result, String domain, String selector, String algorithm, String reason, String b) {
        public boolean pass() {
            return result.equals("pass");
        }
    }

    private static final Pattern B_TAG = Pattern.compile("(^|;)([ \\t\\r\\n]*b[ \\t\\r\\n]*=)[^;]*");
    private static final byte[] ED25519_X509_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

    private final KeyRecords keys;

    public DkimVerifier(KeyRecords keys) {
        this.keys = keys;
    }

    /** {@code message} with CRLF line ends. */
    public List<Result> verify(byte[] message) {
        return verify(message, Integer.MAX_VALUE);
    }

    /**
     * At most {@code max} signatures verified, the first in the header: each costs a DNS lookup to
     * a domain the sender chose and a hash of the whole body, so a message with a thousand of them
     * would cost a thousand. The rest are reported as {@code policy} (RFC 8601 2.7.1: signed, but
     * not acceptable to this ADMD), unchecked.
     */
    public List<Result> verify(byte[] message, int max) {
        HeaderFields head = HeaderFields.of(message);
        List<Result> results = new ArrayList<>();
        for (HeaderFields.Field f : head.fields) {
            if (f.is("DKIM-Signature")) {
                results.add(results.size() < max ? verify(message, head, f)
                        : new Result("policy", null, null, null, "not checked: more than " + max + " signatures", null));
            }
        }
        return results;
    }

    private Result verify(byte[] message, HeaderFields head, HeaderFields.Field field) {
        String raw = new String(field.raw(), StandardCharsets.ISO_8859_1);
        SignatureRecord sig;
        try {
            sig = new SignatureRecordImpl(raw.substring(raw.indexOf(':') + 1));
            sig.validate();
        } catch (RuntimeException e) {
            return new Result("permerror", null, null, null, "unreadable signature: " + e.getMessage(), null);
        }
        String d = sig.getDToken().toString().toLowerCase(Locale.ROOT);
        String s = sig.getSelector().toString();
        String a = sig.getHashKeyType().toString().toLowerCase(Locale.ROOT) + "-" + sig.getHashMethod().toString().toLowerCase(Locale.ROOT);
        String b = sig.getRawSignature() == null ? "" : sig.getRawSignature().toString().replaceAll("\\s", "");
        String b8 = b.length() > 8 ? b.substring(0, 8) : b;
        if (!a.equals("rsa-sha256") && !a.equals("ed25519-sha256")) {
            return new Result(a.equals("rsa-sha1") ? "permerror" : "neutral", d, s, a,
                    a.equals("rsa-sha1") ? "rsa-sha1 is not accepted (RFC 8301)" : "unknown algorithm " + a, b8);
        }
        PublicKey key;
        try {
            key = publicKey(s + "._domainkey." + d, a);
        } catch (TemporaryFailure e) {
            return new Result("temperror", d, s, a, "key lookup: " + e.getMessage(), b8);
        } catch (IllegalStateException e) {
            return new Result("permerror", d, s, a, e.getMessage(), b8);
        }
        boolean relaxedBody = SignatureRecord.RELAXED.equals(sig.getBodyCanonicalisationMethod());
        boolean relaxedHead = SignatureRecord.RELAXED.equals(sig.getHeaderCanonicalisationMethod());
        byte[] bh = DkimCanonical.bodyHash(message, head.bodyStart, relaxedBody, "sha-256", sig.getBodyHashLimit());
        if (!Arrays.equals(bh, sig.getBodyHash())) {
            return new Result("fail", d, s, a, "body hash did not verify", b8);
        }
        Matcher m = B_TAG.matcher(raw.substring(raw.indexOf(':') + 1));
        String unsigned = raw.substring(0, raw.indexOf(':') + 1) + m.replaceFirst("$1$2");
        byte[] data = DkimCanonical.headerData(head, sig.getHeaders().stream().map(CharSequence::toString).toList(),
                unsigned.getBytes(StandardCharsets.ISO_8859_1), relaxedHead);
        try {
            Signature v;
            if (a.equals("ed25519-sha256")) {
                v = Signature.getInstance("Ed25519");
                v.initVerify(key);
                v.update(MessageDigest.getInstance("SHA-256").digest(data));
            } else {
                v = Signature.getInstance("SHA256withRSA");
                v.initVerify(key);
                v.update(data);
            }
            return v.verify(Base64.getDecoder().decode(b)) ? new Result("pass", d, s, a, null, b8)
                    : new Result("fail", d, s, a, "signature did not verify", b8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return new Result("fail", d, s, a, "signature did not verify: " + e.getMessage(), b8);
        }
    }

    /** The key of {@code name} for algorithm {@code a}; IllegalStateException when there is none usable. */
    private PublicKey publicKey(String name, String a) throws TemporaryFailure {
        List<String> records = keys.txt(name);
        if (records.isEmpty()) {
            throw new IllegalStateException("no key at " + name);
        }
        KeyRecord record = new KeyRecord(records.get(0));
        record.validate();
        String k = record.tag("k").toLowerCase(Locale.ROOT);
        if (!a.startsWith(k + "-")) {
            throw new IllegalStateException("key type " + k + " does not fit " + a);
        }
        if (!record.isHashMethodSupported("sha256")) {
            throw new IllegalStateException("the key does not allow sha256");
        }
        byte[] p = Base64.getDecoder().decode(record.tag("p").replaceAll("\\s", ""));
        try {
            if (k.equals("ed25519")) {
                if (p.length != 32) {
                    throw new IllegalStateException("an ed25519 key of " + p.length + " octets");
                }
                byte[] x509 = Arrays.copyOf(ED25519_X509_PREFIX, ED25519_X509_PREFIX.length + 32);
                System.arraycopy(p, 0, x509, ED25519_X509_PREFIX.length, 32);
                return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(x509));
            }
            RSAPublicKey rsa = (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(p));
            if (rsa.getModulus().bitLength() < 1024) {
                throw new IllegalStateException("an RSA key of " + rsa.getModulus().bitLength() + " bits (RFC 8301: at least 1024)");
            }
            return rsa;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("unusable key at " + name + ": " + e.getMessage());
        }
    }

    /** jDKIM's key record, with its tags readable. */
    private static final class KeyRecord extends PublicKeyRecordImpl {
        KeyRecord(String text) {
            super(text);
        }

        String tag(String t) {
            CharSequence v = getValue(t);
            return v == null ? "" : v.toString();
        }
    }
}
