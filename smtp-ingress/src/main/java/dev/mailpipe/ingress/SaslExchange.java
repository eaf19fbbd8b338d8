package dev.mailpipe.ingress;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * The client's side of AUTH PLAIN (RFC 4616) and AUTH LOGIN, step by step: each call takes one
 * client line and says whether to ask again (a 334 challenge), to check credentials, or to fail.
 */
final class SaslExchange {
    /** The next thing the session does. */
    sealed interface Step permits Challenge, Credentials, Failed {
    }

    /** Send {@code 334 <challenge>} and feed the next line back. */
    record Challenge(String challenge) implements Step {
    }

    record Credentials(String username, char[] password) implements Step {
    }

    record Failed(Reply reply) implements Step {
    }

    private final String mechanism;
    private String username;

    private SaslExchange(String mechanism) {
        this.mechanism = mechanism;
    }

    /** Starts from the AUTH command's argument: {@code PLAIN [initial-response]} or {@code LOGIN [...]}. */
    static Step start(String argument, java.util.function.Consumer<SaslExchange> pending) {
        String[] parts = argument.trim().split(" +", 2);
        String mech = parts[0].toUpperCase(Locale.ROOT);
        if (!mech.equals("PLAIN") && !mech.equals("LOGIN")) {
            return new Failed(Reply.of(504, "5.5.4", "Unrecognized authentication type"));
        }
        SaslExchange x = new SaslExchange(mech);
        pending.accept(x);
        if (parts.length == 2) {
            return x.next(parts[1]);
        }
        return new Challenge(mech.equals("PLAIN") ? "" : b64("Username:"));
    }

    /** One client line (base64, or "*" to cancel). */
    Step next(String line) {
        if (line.equals("*")) {
            return new Failed(Reply.of(501, "5.7.0", "Authentication cancelled"));
        }
        byte[] decoded;
        try {
            decoded = line.equals("=") ? new byte[0] : Base64.getDecoder().decode(line.trim());
        } catch (IllegalArgumentException e) {
            return new Failed(Reply.of(501, "5.5.2", "Cannot decode response"));
        }
        String text = new String(decoded, StandardCharsets.UTF_8);
        if (mechanism.equals("PLAIN")) {
            String[] f = text.split("\0", -1);
            if (f.length != 3 || f[1].isEmpty()) {
                return new Failed(Reply.of(501, "5.5.2", "Malformed PLAIN response"));
            }
            if (!f[0].isEmpty() && !f[0].equals(f[1])) {
                return new Failed(Reply.of(535, "5.7.8", "Authentication credentials invalid"));
            }
            return new Credentials(f[1], f[2].toCharArray());
        }
        if (username == null) {
            username = text;
            return new Challenge(b64("Password:"));
        }
        return new Credentials(username, text.toCharArray());
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.US_ASCII));
    }
}
