package dev.mailpipe.ingress;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The argument of MAIL and RCPT: {@code FROM:<path> params} or {@code TO:<path> params} (RFC 5321
 * 4.1.2). A source route ({@code <@relay1,@relay2:user@domain>}) is parsed and dropped, as RFC 5321
 * 3.6.1 and Appendix C allow: only the final mailbox counts, so a route never opens a relay.
 *
 * @param path the mailbox between the brackets, {@code ""} for {@code <>}
 * @param params ESMTP parameters, keywords upper-cased, in the order given; value null when absent
 */
record PathArgument(String path, Map<String, String> params) {

    static final class SyntaxException extends Exception {
        SyntaxException(String message) {
            super(message, null, false, false);
        }
    }

    static PathArgument parse(String argument, String keyword) throws SyntaxException {
        String prefix = keyword + ":";
        if (argument.length() < prefix.length() || !argument.regionMatches(true, 0, prefix, 0, prefix.length())) {
            throw new SyntaxException("Syntax: " + (keyword.equals("FROM") ? "MAIL FROM:<address>" : "RCPT TO:<address>"));
        }
        String rest = argument.substring(prefix.length()).stripLeading();
        if (!rest.startsWith("<")) {
            throw new SyntaxException("address must be enclosed in <>");
        }
        int close = closingBracket(rest);
        if (close < 0) {
            throw new SyntaxException("unbalanced <>");
        }
        String path = rest.substring(1, close);
        if (path.startsWith("@")) {
            int colon = path.indexOf(':');
            if (colon < 0) {
                throw new SyntaxException("bad source route");
            }
            path = path.substring(colon + 1);
        }
        return new PathArgument(path, parameters(rest.substring(close + 1)));
    }

    /** The index of the '>' that ends the path, skipping any inside a quoted local part. */
    private static int closingBracket(String s) {
        boolean quoted = false;
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted && c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '>' && !quoted) {
                return i;
            }
        }
        return -1;
    }

    private static Map<String, String> parameters(String text) throws SyntaxException {
        Map<String, String> params = new LinkedHashMap<>();
        if (text.isEmpty()) {
            return params;
        }
        if (text.charAt(0) != ' ') {
            throw new SyntaxException("parameters must follow the address after a space");
        }
        for (String p : text.trim().split(" +")) {
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            String key = (eq < 0 ? p : p.substring(0, eq)).toUpperCase(Locale.ROOT);
            if (key.isEmpty() || !key.matches("[A-Z0-9][A-Z0-9-]*")) {
                throw new SyntaxException("bad parameter " + p);
            }
            if (params.containsKey(key)) {
                throw new SyntaxException("parameter " + key + " given twice");
            }
            params.put(key, eq < 0 ? null : p.substring(eq + 1));
        }
        return params;
    }
}
