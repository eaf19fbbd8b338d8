package dev.mailpipe.relay.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HexFormat;
import org.xbill.DNS.TLSARecord;

/**
 * One TLSA record as SMTP uses it (RFC 7672 3.1): DANE-TA(2) names a trust anchor in the server's
 * chain, DANE-EE(3) the server's own certificate or key; PKIX-TA(0) and PKIX-EE(1) are unusable
 * for SMTP, as are unknown selectors and matching types.
 */
public record Tlsa(int usage, int selector, int matching, byte[] data) {
    static final int DANE_TA = 2;
    static final int DANE_EE = 3;

    static Tlsa of(TLSARecord r) {
        return new Tlsa(r.getCertificateUsage(), r.getSelector(), r.getMatchingType(), r.getCertificateAssociationData());
    }

    /** RFC 7672 3.1.3, RFC 6698 2.1: what a client can check, and a digest of the length its type gives. */
    public boolean usable() {
        if (usage != DANE_TA && usage != DANE_EE || selector > 1) {
            return false;
        }
        return switch (matching) {
            case 0 -> data.length > 0;
            case 1 -> data.length == 32;
            case 2 -> data.length == 64;
            default -> false;
        };
    }

    /** Whether {@code cert} (its whole DER, or its SubjectPublicKeyInfo) is the one this record names. */
    public boolean matches(X509Certificate cert) {
        try {
            byte[] what = selector == 0 ? cert.getEncoded() : cert.getPublicKey().getEncoded();
            byte[] seen = switch (matching) {
                case 0 -> what;
                case 1 -> MessageDigest.getInstance("SHA-256").digest(what);
                case 2 -> MessageDigest.getInstance("SHA-512").digest(what);
                default -> null;
            };
            return seen != null && MessageDigest.isEqual(seen, data);
        } catch (CertificateEncodingException | NoSuchAlgorithmException e) {
            return false;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tlsa t && t.usage == usage && t.selector == selector && t.matching == matching
                && Arrays.equals(t.data, data);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(data) * 31 + usage * 100 + selector * 10 + matching;
    }

    @Override
    public String toString() {
        return usage + " " + selector + " " + matching + " " + HexFormat.of().formatHex(data);
    }
}
