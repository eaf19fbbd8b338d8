package dev.mailpipe.ingress;

import dev.mailpipe.model.Envelope;
import java.util.Locale;
import java.util.Map;

/**
 * The ESMTP parameters of MAIL FROM and RCPT TO, checked against the extensions the ingress
 * announces: SIZE (RFC 1870), BODY (RFC 6152), SMTPUTF8 (RFC 6531), RET, ENVID, NOTIFY and ORCPT
 * (RFC 3461), AUTH (RFC 4954). A parameter it does not announce gets 555 (RFC 5321 4.1.1.11).
 */
final class EsmtpParameters {
    private EsmtpParameters() {
    }

    /**
     * MAIL FROM's parameters that travel with the message, and the size the client declared
     * (RFC 1870; 0 when it declared none).
     */
    record Mail(Envelope.BodyType body, boolean smtpUtf8, Envelope.Ret ret, String envid, long declaredSize) {
        Mail(Envelope.BodyType body, boolean smtpUtf8, Envelope.Ret ret, String envid) {
            this(body, smtpUtf8, ret, envid, 0);
        }
    }

    /** RCPT TO's parameters: the notifications asked for and the original recipient, each or null. */
    record Rcpt(String notifications, String orcpt) {
    }

    /** A parameter refused, with the reply that says why. */
    static final class Refused extends Exception {
        private final transient Reply reply;

        Refused(Reply reply) {
            super(reply.toString(), null, false, false);
            this.reply = reply;
        }

        Reply reply() {
            return reply;
        }
    }

    static Mail mail(Map<String, String> params, long maxMessageSize) throws Refused {
        Envelope.BodyType body = Envelope.BodyType.SEVEN_BIT;
        boolean smtpUtf8 = false;
        Envelope.Ret ret = null;
        String envid = null;
        long declaredSize = 0;
        for (var p : params.entrySet()) {
            String value = p.getValue();
            switch (p.getKey()) {
                case "SIZE" -> {
                    if (value == null || !value.matches("[0-9]{1,20}")) {
                        throw refused(501, "5.5.4", "Bad SIZE parameter");
                    }
                    if (value.length() > 18 || Long.parseLong(value) > maxMessageSize) {
                        throw refused(552, "5.3.4", "Message size exceeds fixed limit");
                    }
                    declaredSize = Long.parseLong(value);
                }
                // BINARYMIME is not announced: a client may declare only what EHLO offered.
                case "BODY" -> body = Envelope.BodyType.parse(value == null ? "" : value)
                        .filter(t -> t != Envelope.BodyType.BINARY_MIME)
                        .orElseThrow(() -> refused(501, "5.5.4", "Unsupported BODY type"));
                case "SMTPUTF8" -> {
                    if (value != null) {
                        throw refused(501, "5.5.4", "SMTPUTF8 takes no value");
                    }
                    smtpUtf8 = true;
                }
                case "RET" -> ret = Envelope.Ret.parse(value == null ? "" : value)
                        .orElseThrow(() -> refused(501, "5.5.4", "Bad RET parameter"));
                case "ENVID" -> {
                    if (value == null || value.isEmpty() || value.length() > 100 || !isXtext(value)) {
                        throw refused(501, "5.5.4", "Bad ENVID parameter");
                    }
                    envid = value;
                }
                case "AUTH" -> {
                    // RFC 4954 5: accepted from anyone, trusted from no one here.
                }
                default -> throw refused(555, "5.5.4", "Unsupported option: " + p.getKey());
            }
        }
        return new Mail(body, smtpUtf8, ret, envid, declaredSize);
    }

    static Rcpt rcpt(Map<String, String> params) throws Refused {
        String notify = null;
        String orcpt = null;
        for (var p : params.entrySet()) {
            switch (p.getKey()) {
                case "NOTIFY" -> {
                    notify = p.getValue() == null ? "" : p.getValue().toUpperCase(Locale.ROOT);
                    if (!validNotify(notify)) {
                        throw refused(501, "5.5.4", "Bad NOTIFY parameter");
                    }
                }
                case "ORCPT" -> {
                    orcpt = p.getValue();
                    if (orcpt == null || !orcpt.matches("(?i)[a-z0-9-]+;.+")
                            || !isXtext(orcpt.substring(orcpt.indexOf(';') + 1))) {
                        throw refused(501, "5.5.4", "Bad ORCPT parameter");
                    }
                }
                default -> throw refused(555, "5.5.4", "Unsupported option: " + p.getKey());
            }
        }
        return new Rcpt(notify, orcpt);
    }

    /** RFC 3461 4.1: NEVER alone, or any of SUCCESS, FAILURE, DELAY. */
    private static boolean validNotify(String v) {
        if (v.equals("NEVER")) {
            return true;
        }
        if (v.isEmpty()) {
            return false;
        }
        for (String part : v.split(",", -1)) {
            if (!part.equals("SUCCESS") && !part.equals("FAILURE") && !part.equals("DELAY")) {
                return false;
            }
        }
        return true;
    }

    /** RFC 3461 4: xtext is printable ASCII but '+' and '=', with {@code +XX} hex escapes. */
    static boolean isXtext(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+') {
                if (i + 2 >= s.length() || !isHex(s.charAt(i + 1)) || !isHex(s.charAt(i + 2))) {
                    return false;
                }
                i += 2;
            } else if (c < 33 || c > 126 || c == '=') {
                return false;
            }
        }
        return true;
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
    }

    private static Refused refused(int code, String status, String text) {
        return new Refused(Reply.of(code, status, text));
    }
}
