package dev.mailpipe.auth;

import java.util.List;

/**
 * The Authentication-Results header field (RFC 8601) this server adds, and the removal of any that
 * arrived claiming to be this server's (5: a forged one must not be trusted downstream).
 */
public final class AuthenticationResults {
    private AuthenticationResults() {
    }

    /** The field, folded one result a line, with its CRLF. */
    public static String field(String authservId, List<String> clauses) {
        StringBuilder sb = new StringBuilder("Authentication-Results: ").append(authservId);
        for (String c : clauses) {
            sb.append(";\r\n\t").append(c);
        }
        return sb.append("\r\n").toString();
    }

    /** {@code message} (CRLF lines) without the Authentication-Results fields whose authserv-id is {@code authservId}. */
    public static byte[] withoutClaimsOf(String authservId, byte[] message) {
        HeaderFields head = HeaderFields.of(message);
        boolean any = head.fields.stream().anyMatch(f -> claims(f, authservId));
        if (!any) {
            return message;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(message.length);
        for (HeaderFields.Field f : head.fields) {
            if (!claims(f, authservId)) {
                out.writeBytes(f.raw());
                out.writeBytes(new byte[] {'\r', '\n'});
            }
        }
        if (head.bodyStart <= message.length && head.bodyStart >= 2 && message[head.bodyStart - 2] == '\r') {
            out.writeBytes(new byte[] {'\r', '\n'});
        }
        out.write(message, head.bodyStart, message.length - head.bodyStart);
        return out.toByteArray();
    }

    private static boolean claims(HeaderFields.Field f, String authservId) {
        if (!f.is("Authentication-Results")) {
            return false;
        }
        return authservId(f.value()).equalsIgnoreCase(authservId);
    }

    /**
     * The authserv-id a field's value begins with: its first word outside comments (RFC 8601 2.2:
     * {@code authserv-id [CFWS authres-version] ...;}). One pass over the value, whatever a sender
     * put in it: a regex over nested or unclosed comments took quadratic time on a field of a few
     * megabytes of {@code (}.
     */
    static String authservId(String v) {
        StringBuilder id = new StringBuilder();
        int depth = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\' && depth > 0) {
                i++; // a quoted-pair inside a comment
            } else if (c == '(') {
                if (depth == 0 && id.length() > 0) {
                    break; // CFWS after the id: what follows is its version
                }
                depth++;
            } else if (c == ')' && depth > 0) {
                depth--;
            } else if (depth == 0) {
                if (c == ';' || Character.isWhitespace(c) && id.length() > 0) {
                    break;
                }
                if (!Character.isWhitespace(c)) {
                    id.append(c);
                }
            }
        }
        return id.toString();
    }

    /** A value as RFC 8601's pvalue: quoted when it is not a plain token. */
    public static String pvalue(String v) {
        return v.matches("[A-Za-z0-9.@_+=!#$%&'*/?^`{|}~-]+") ? v : "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

}
