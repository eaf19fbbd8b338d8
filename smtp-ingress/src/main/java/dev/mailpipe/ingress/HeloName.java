package dev.mailpipe.ingress;

import java.util.regex.Pattern;

/**
 * RFC 5321 4.1.1.1: the argument of EHLO and HELO is a domain or an address literal (4.1.3), and
 * nothing else: no spaces, no control characters, no parentheses or quotes that would break the
 * Received and Authentication-Results fields it is written into. Labels may hold underscores (as
 * hosts named by Windows send) and, for SMTPUTF8 (RFC 6531 3.3), non-ASCII letters.
 */
final class HeloName {
    private static final int MAX = 255;
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
    /** 4.1.3's General-address-literal: Standardized-tag ":" 1*dcontent. */
    private static final Pattern GENERAL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?:[\\x21-\\x5a\\x5e-\\x7e]+");

    private HeloName() {
    }

    static boolean valid(String name) {
        if (name.isEmpty() || name.length() > MAX) {
            return false;
        }
        if (name.startsWith("[")) {
            return name.endsWith("]") && addressLiteral(name.substring(1, name.length() - 1));
        }
        String domain = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        if (domain.isEmpty()) {
            return false;
        }
        for (String label : domain.split("\\.", -1)) {
            if (!label(label)) {
                return false;
            }
        }
        return true;
    }

    private static boolean label(String l) {
        if (l.isEmpty() || l.length() > 63 || l.startsWith("-") || l.endsWith("-")) {
            return false;
        }
        for (int i = 0; i < l.length(); i++) {
            char c = l.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
                    || c >= 0x80 && Character.isLetterOrDigit(c);
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean addressLiteral(String inside) {
        if (IPV4.matcher(inside).matches()) {
            return true;
        }
        if (inside.regionMatches(true, 0, "IPv6:", 0, 5)) {
            String v6 = inside.substring(5);
            if (!IPV6.matcher(v6).matches() || !v6.contains(":")) {
                return false;
            }
            try {
                // Only hex digits, colons and dots reach here: a literal, never a name to look up.
                return java.net.InetAddress.getByName(v6) instanceof java.net.Inet6Address
                        || java.net.InetAddress.getByName(v6) instanceof java.net.Inet4Address && v6.startsWith("::ffff:");
            } catch (java.net.UnknownHostException e) {
                return false;
            }
        }
        return GENERAL.matcher(inside).matches();
    }
}
