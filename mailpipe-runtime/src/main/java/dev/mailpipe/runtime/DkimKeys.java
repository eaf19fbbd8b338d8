package dev.mailpipe.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * DKIM keys on disk as {@code opendkim-genkey} lays them out: {@code <dir>/<domain>/<selector>.private}
 * (a PEM private key, PKCS#8 or the older PKCS#1 {@code RSA PRIVATE KEY}) and beside it
 * {@code <selector>.txt}, the TXT record to publish. RSA and Ed25519 (RFC 8463) keys both; which one
 * a file holds is read from the key itself.
 */
public final class DkimKeys {
    /** The selectors mailpipe creates for a signing domain that has no key yet. */
    public static final String RSA_SELECTOR = "mailpipe-rsa";
    public static final String ED25519_SELECTOR = "mailpipe-ed25519";

    public enum Algorithm {
        RSA_SHA256("rsa-sha256", "rsa"), ED25519_SHA256("ed25519-sha256", "ed25519");

        /** The signature's {@code a=} tag, and the key record's {@code k=} tag. */
        public final String tag;
        public final String keyType;

        Algorithm(String tag, String keyType) {
            this.tag = tag;
            this.keyType = keyType;
        }
    }

    /** One signing key: {@code d=} domain, {@code s=} selector, its algorithm and the key. */
    public record Key(String domain, String selector, Algorithm algorithm, PrivateKey privateKey, PublicKey publicKey) {
        /** The public key as the record's {@code p=} tag carries it (RFC 6376 3.6.1, RFC 8463 4). */
        public String publicKeyTag() {
            byte[] der = publicKey.getEncoded();
            // Ed25519: the raw 32-byte key, which is the end of its SubjectPublicKeyInfo.
            byte[] p = algorithm == Algorithm.ED25519_SHA256 ? java.util.Arrays.copyOfRange(der, der.length - 32, der.length) : der;
            return Base64.getEncoder().encodeToString(p);
        }

        /** The DNS name the key record goes under. */
        public String recordName() {
            return selector + "._domainkey." + domain;
        }

        /** The key record's text, as one string. */
        public String recordText() {
            return "v=DKIM1; " + (algorithm == Algorithm.RSA_SHA256 ? "h=sha256; " : "") + "k=" + algorithm.keyType
                    + "; p=" + publicKeyTag();
        }
    }

    private DkimKeys() {
    }

    /** Every key under {@code dir/domain}, in selector order; none when the directory is absent. */
    public static List<Key> load(Path dir, String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        Path domainDir = dir.resolve(d);
        List<Key> keys = new ArrayList<>();
        if (!Files.isDirectory(domainDir)) {
            return keys;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(domainDir, "*.private")) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                keys.add(read(d, name.substring(0, name.length() - ".private".length()), Files.readString(f, StandardCharsets.US_ASCII)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read DKIM keys in " + domainDir, e);
        }
        keys.sort(java.util.Comparator.comparing(Key::selector));
        return keys;
    }

    /**
     * The keys of {@code domain}, first creating {@link #RSA_SELECTOR} (2048 bits) and
     * {@link #ED25519_SELECTOR} when the domain has none: private key readable by its owner alone,
     * the record beside it in opendkim-genkey's zone-file form.
     */
    public static List<Key> loadOrCreate(Path dir, String domain) {
        List<Key> keys = load(dir, domain);
        if (!keys.isEmpty()) {
            return keys;
        }
        String d = domain.toLowerCase(Locale.ROOT);
        try {
            Files.createDirectories(dir.resolve(d));
            write(dir, d, RSA_SELECTOR, generate("RSA", 2048), Algorithm.RSA_SHA256);
            write(dir, d, ED25519_SELECTOR, generate("Ed25519", 0), Algorithm.ED25519_SHA256);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create DKIM keys in " + dir.resolve(d), e);
        }
        return load(dir, domain);
    }

    /** A key from its PEM text. */
    public static Key read(String domain, String selector, String pem) {
        boolean pkcs1 = pem.contains("BEGIN RSA PRIVATE KEY");
        String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        byte[] der = Base64.getDecoder().decode(b64);
        try {
            if (pkcs1) {
                der = pkcs8OfRsa(der);
            }
            PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
            try {
                RSAPrivateCrtKey rsa = (RSAPrivateCrtKey) KeyFactory.getInstance("RSA").generatePrivate(spec);
                PublicKey pub = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
                return new Key(domain, selector, Algorithm.RSA_SHA256, rsa, pub);
            } catch (java.security.spec.InvalidKeySpecException notRsa) {
                PrivateKey ed = KeyFactory.getInstance("Ed25519").generatePrivate(spec);
                return new Key(domain, selector, Algorithm.ED25519_SHA256, ed, ed25519PublicOf(der));
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("not an RSA or Ed25519 private key: " + domain + "/" + selector + ".private", e);
        }
    }

    private static KeyPair generate(String algorithm, int bits) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
            if (bits > 0) {
                g.initialize(bits);
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " keys cannot be generated by this JVM", e);
        }
    }

    private static void write(Path dir, String domain, String selector, KeyPair pair, Algorithm algorithm) throws IOException {
        Path priv = dir.resolve(domain).resolve(selector + ".private");
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        Files.deleteIfExists(priv);
        Files.createFile(priv, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(priv, pem, StandardCharsets.US_ASCII);
        Key key = new Key(domain, selector, algorithm, pair.getPrivate(), pair.getPublic());
        Files.writeString(dir.resolve(domain).resolve(selector + ".txt"), zoneEntry(key), StandardCharsets.US_ASCII);
    }

    /** The record as opendkim-genkey writes it: a zone-file line, the text split in strings of at most 250. */
    public static String zoneEntry(Key key) {
        StringBuilder sb = new StringBuilder(key.selector()).append("._domainkey\tIN\tTXT\t( ");
        String text = key.recordText();
        for (int i = 0; i < text.length(); i += 250) {
            sb.append(i == 0 ? "" : "\n\t  ").append('"').append(text, i, Math.min(text.length(), i + 250)).append('"');
        }
        return sb.append(" )  ; ----- DKIM key ").append(key.selector()).append(" for ").append(key.domain()).append('\n').toString();
    }

    /**
     * PKCS#8 around a PKCS#1 RSAPrivateKey: SEQUENCE { INTEGER 0, SEQUENCE { rsaEncryption, NULL },
     * OCTET STRING pkcs1 }.
     */
    private static byte[] pkcs8OfRsa(byte[] pkcs1) {
        byte[] algorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
        byte[] version = {0x02, 0x01, 0x00};
        byte[] octets = der(0x04, pkcs1);
        byte[] body = new byte[version.length + algorithm.length + octets.length];
        System.arraycopy(version, 0, body, 0, version.length);
        System.arraycopy(algorithm, 0, body, version.length, algorithm.length);
        System.arraycopy(octets, 0, body, version.length + algorithm.length, octets.length);
        return der(0x30, body);
    }

    private static byte[] der(int tag, byte[] content) {
        int n = content.length;
        byte[] len = n < 0x80 ? new byte[] {(byte) n}
                : n < 0x100 ? new byte[] {(byte) 0x81, (byte) n}
                : n < 0x10000 ? new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n}
                : new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
        byte[] out = new byte[1 + len.length + n];
        out[0] = (byte) tag;
        System.arraycopy(len, 0, out, 1, len.length);
        System.arraycopy(content, 0, out, 1 + len.length, n);
        return out;
    }

    /**
     * The public half of a PKCS#8 Ed25519 key. The JDK derives it only while generating a pair, so
     * a generator is handed the private key's 32-byte seed as its randomness: it makes the same pair
     * (RFC 8032 5.1.5: the public key is a function of the seed alone).
     */
    private static PublicKey ed25519PublicOf(byte[] pkcs8) throws GeneralSecurityException {
        // RFC 8410 7: the 48-byte form (JDK, OpenSSL) ends with OCTET STRING { OCTET STRING seed }.
        if (pkcs8.length != 48) {
            throw new java.security.spec.InvalidKeySpecException("an Ed25519 key with attributes or a public key inside; "
                    + "write it as openssl pkey does (48 bytes)");
        }
        byte[] seed = java.util.Arrays.copyOfRange(pkcs8, pkcs8.length - 32, pkcs8.length);
        KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
        g.initialize(new java.security.spec.NamedParameterSpec("Ed25519"), new FixedSeed(seed));
        return g.generateKeyPair().getPublic();
    }

    /** A SecureRandom that hands out the given seed: the generator draws exactly 32 bytes. */
    private static final class FixedSeed extends java.security.SecureRandom {
        private final byte[] seed;

        FixedSeed(byte[] seed) {
            this.seed = seed;
        }

        @Override
        public void nextBytes(byte[] bytes) {
            System.arraycopy(seed, 0, bytes, 0, Math.min(seed.length, bytes.length));
        }
    }
}
