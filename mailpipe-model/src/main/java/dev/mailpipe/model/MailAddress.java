package dev.mailpipe.model;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A mailbox per RFC 5321 4.1.2 ({@code Local-part "@" Domain}), with the RFC 6531 extension that
 * lets both parts carry UTF-8. Domains compare case-insensitively; the local part is kept as sent.
 */
public record MailAddress(String localPart, String domain) {
    public static final int MAX_LOCAL_PART_OCTETS = 64;
    public static final int MAX_DOMAIN_OCTETS = 255;
    public static final int MAX_PATH_OCTETS = 256;

    /** Thrown for a string that is no mailbox; the message is fit for an SMTP reply. */
    public static class InvalidAddressException extends IllegalArgumentException {
        public InvalidAddressException(String message) {
            super(message);
        }
    }

    /**
     * Parses {@code local@domain} (no angle brackets).
     *
     * @param utf8 whether non-ASCII characters are allowed (the session said SMTPUTF8)
     */
    public static MailAddress parse(String text, boolean utf8) {
        if (text.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_OCTETS) {
            throw new InvalidAddressException("address too long");
        }
        int at = text.lastIndexOf('@');
        if (at <= 0 || at == text.length() - 1) {
            throw new InvalidAddressException("address must be local-part@domain");
        }
        String local = text.substring(0, at);
        String domain = text.substring(at + 1);
        checkLocalPart(local, utf8);
        checkDomain(domain, utf8);
        return new MailAddress(local, domain);
    }

    public static MailAddress parse(String text) {
        return parse(text, true);
    }

    /** The domain lower-cased, as used in topic keys and file paths. */
    public String domainKey() {
        return domain.toLowerCase(Locale.ROOT);
    }

    /**
     * The address lower-cased: the key of {@code mail.delivery} and of registry lookups. Like Postfix's
     * local delivery, mailboxes do not distinguish case, while the envelope keeps what was sent.
     */
    public String mailboxKey() {
        return toString().toLowerCase(Locale.ROOT);
    }

    public boolean isDomainLiteral() {
        return domain.startsWith("[");
    }

    @Override
    public String toString() {
        return localPart + "@" + domain;
    }

    private static void checkLocalPart(String local, boolean utf8) {
        if (local.getBytes(StandardCharsets.UTF_8).length > MAX_LOCAL_PART_OCTETS) {
            throw new InvalidAddressException("local part longer than 64 octets");
        }
        if (local.startsWith("\"")) {
            checkQuotedString(local, utf8);
            return;
        }
        if (local.startsWith(".") || local.endsWith(".") || local.contains("..")) {
            throw new InvalidAddressException("local part has a misplaced dot");
        }
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (c != '.' && !isAtext(c, utf8)) {
                throw new InvalidAddressException("local part has an invalid character");
            }
        }
    }

    private static void checkQuotedString(String q, boolean utf8) {
        if (q.length() < 2 || !q.endsWith("\"")) {
            throw new InvalidAddressException("unterminated quoted local part");
        }
        for (int i = 1; i < q.length() - 1; i++) {
            char c = q.charAt(i);
            if (c == '\\') {
                i++;
                if (i >= q.length() - 1 || q.charAt(i) < 32 || q.charAt(i) > 126) {
                    throw new InvalidAddressException("bad quoted pair in local part");
                }
            } else if (c == '"' || c < 32 || c == 127 || (c > 127 && !utf8)) {
                throw new InvalidAddressException("local part has an invalid character");
            }
        }
    }

    private static void checkDomain(String domain, boolean utf8) {
        if (domain.getBytes(StandardCharsets.UTF_8).length > MAX_DOMAIN_OCTETS) {
            throw new InvalidAddressException("domain longer than 255 octets");
        }
        if (domain.startsWith("[")) {
            checkAddressLiteral(domain);
            return;
        }
        for (String label : domain.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63) {
                throw new InvalidAddressException("domain has an empty or overlong label");
            }
            if (label.startsWith("-") || label.endsWith("-")) {
                throw new InvalidAddressException("domain label starts or ends with a hyphen");
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                boolean ldh = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
                if (!ldh && !(utf8 && c > 127 && !Character.isWhitespace(c) && !Character.isISOControl(c))) {
                    throw new InvalidAddressException("domain has an invalid character");
                }
            }
        }
    }

    private static void checkAddressLiteral(String literal) {
        if (!literal.endsWith("]")) {
            throw new InvalidAddressException("unterminated address literal");
        }
        String inner = literal.substring(1, literal.length() - 1);
        if (inner.regionMatches(true, 0, "IPv6:", 0, 5)) {
            if (!inner.substring(5).matches("[0-9A-Fa-f:.]{2,45}")) {
                throw new InvalidAddressException("bad IPv6 address literal");
            }
            return;
        }
        String[] parts = inner.split("\\.", -1);
        if (parts.length != 4) {
            throw new InvalidAddressException("bad IPv4 address literal");
        }
        for (String p : parts) {
            if (!p.matches("[0-9]{1,3}") || Integer.parseInt(p) > 255) {
                throw new InvalidAddressException("bad IPv4 address literal");
            }
        }
    }

    /** RFC 5322 atext, widened to UTF-8 by RFC 6531 when allowed. */
    private static boolean isAtext(char c, boolean utf8) {
        if (c > 127) {
            return utf8 && !Character.isISOControl(c) && !Character.isWhitespace(c);
        }
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0;
    }
}
