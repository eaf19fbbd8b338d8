package dev.mailpipe.relay.smtp;

import java.util.ArrayList;
import java.util.List;

/**
 * Gathers the lines of multi-line replies ({@code 250-first}, {@code 250 last}) into {@link SmtpReply}s.
 * Fed one line at a time, CRLF removed.
 */
final class ReplyParser {
    private final int maxLines;
    private final List<String> lines = new ArrayList<>();
    private int code = -1;

    /** @param maxLines the most lines one reply may have: an endless multi-line reply is an attack */
    ReplyParser(int maxLines) {
        this.maxLines = maxLines;
    }

    /** The complete reply this line ends, or null if more lines follow. */
    SmtpReply feed(String line) {
        if (line.length() < 3 || !Character.isDigit(line.charAt(0)) || !Character.isDigit(line.charAt(1))
                || !Character.isDigit(line.charAt(2))) {
            throw new IllegalArgumentException("not an SMTP reply line: " + abbreviate(line));
        }
        int c = Integer.parseInt(line.substring(0, 3));
        if (code >= 0 && c != code) {
            throw new IllegalArgumentException("reply code changed inside a multi-line reply");
        }
        code = c;
        boolean more = line.length() > 3 && line.charAt(3) == '-';
        lines.add(line.length() > 4 ? line.substring(4) : "");
        if (more) {
            if (lines.size() >= maxLines) {
                throw new IllegalArgumentException("reply of more than " + maxLines + " lines");
            }
            return null;
        }
        SmtpReply reply = new SmtpReply(code, List.copyOf(lines));
        lines.clear();
        code = -1;
        return reply;
    }

    /** Whether lines of a multi-line reply wait for its last line. */
    boolean partial() {
        return !lines.isEmpty();
    }

    private static String abbreviate(String s) {
        return dev.mailpipe.model.PeerText.oneLine(s.length() > 60 ? s.substring(0, 60) + "..." : s);
    }
}
