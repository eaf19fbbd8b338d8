package dev.mailpipe.relay.smtp;

import java.util.List;

/** A reply from a remote SMTP server: its code and its text lines (continuations joined). */
record SmtpReply(int code, List<String> lines) {

    boolean positive() {
        return code >= 200 && code < 400;
    }

    boolean transientFailure() {
        return code >= 400 && code < 500;
    }

    /** The RFC 3463 status in the first line if the server gave one, else one derived from the code. */
    String status() {
        String first = lines.isEmpty() ? "" : lines.get(0);
        if (first.matches("[245]\\.\\d{1,3}\\.\\d{1,3}( .*)?")) {
            return first.split(" ", 2)[0];
        }
        return code >= 500 ? "5.0.0" : code >= 400 ? "4.0.0" : "2.0.0";
    }

    /** As a DSN Diagnostic-Code: {@code smtp; 550 5.1.1 text}. */
    String diagnostic() {
        return "smtp; " + this;
    }

    @Override
    public String toString() {
        return code + " " + String.join(" ", lines);
    }
}
