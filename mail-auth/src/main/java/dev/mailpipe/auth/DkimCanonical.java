package dev.mailpipe.auth;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.james.jdkim.exceptions.PermFailException;
import org.apache.james.jdkim.impl.BodyHasherImpl;
import org.apache.james.jdkim.tagvalue.SignatureRecordTemplate;

/**
 * What a DKIM signature covers (RFC 6376 3.4 and 3.7), computed the same way for signing and for
 * verifying. The body goes through jDKIM's canonicalisers. The header fields are canonicalised here,
 * on their bytes: jDKIM's header code works on Strings and turns them back into bytes in the JVM's
 * default charset, which changes any non-ASCII field (SMTPUTF8 mail) on a JVM without a UTF-8 locale.
 */
public final class DkimCanonical {
    private DkimCanonical() {
    }

    /**
     * The hash of the body ({@code message} from {@code bodyStart}), relaxed or simple, with the
     * algorithm's digest ({@code sha-256}), over at most {@code limit} canonical octets (-1: all).
     */
    public static byte[] bodyHash(byte[] message, int bodyStart, boolean relaxed, String digest, long limit) {
        String c = relaxed ? "relaxed/relaxed" : "simple/simple";
        String a = "rsa-" + digest.replace("sha-", "sha");
        try {
            BodyHasherImpl hasher = new BodyHasherImpl(new SignatureRecordTemplate("v=1; a=" + a + "; c=" + c
                    + "; d=x; s=x; h=from; bh=; b=" + (limit >= 0 ? "; l=" + limit : "")));
            try (OutputStream body = hasher.getOutputStream()) {
                body.write(message, bodyStart, message.length - bodyStart);
            }
            return hasher.getDigest();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (PermFailException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * The header part of the signed data: each field of {@code h} in turn (a repeated name takes the
     * next instance from the bottom; one that is not there adds nothing), canonicalised and ended by
     * CRLF, then the signature's own field with an empty b= and no CRLF.
     */
    public static byte[] headerData(HeaderFields head, List<String> h, byte[] signatureField, boolean relaxed) {
        ByteArrayOutputStream data = new ByteArrayOutputStream(1024);
        Map<String, Integer> used = new HashMap<>();
        for (String name : h) {
            String key = name.trim().toLowerCase(Locale.ROOT);
            HeaderFields.Field f = head.nthFromBottom(key, used.merge(key, 1, Integer::sum));
            if (f != null) {
                data.writeBytes(relaxed ? relaxed(f.raw()) : f.raw());
                data.writeBytes(new byte[] {'\r', '\n'});
            }
        }
        data.writeBytes(relaxed ? relaxed(signatureField) : signatureField);
        return data.toByteArray();
    }

    /**
     * RFC 6376 3.4.2 relaxed header canonicalisation of one field's bytes: name in lower case, the
     * value unfolded, each run of white space one space, none at the ends or around the colon.
     */
    public static byte[] relaxed(byte[] raw) {
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
}
