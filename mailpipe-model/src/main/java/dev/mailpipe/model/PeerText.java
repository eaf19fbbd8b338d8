package dev.mailpipe.model;

/**
 * What a peer wrote (a HELO name, a login, a remote server's reply, an address), made fit for a
 * log line or a header field: every control character, CR and LF among them, and the Unicode line
 * and paragraph separators become {@code ?}, so that no peer can start a log line or a header field
 * of its own; and a log line carries at most {@link #LOG_MAX} characters of it. The one place where
 * such text is cleaned: every log line and header that quotes a peer goes through here.
 */
public final class PeerText {
    /** Characters of one peer-written value in a log line: enough to recognise it, not to flood the log. */
    public static final int LOG_MAX = 256;

    private PeerText() {
    }

    /** For a log line: cleaned and cut to {@link #LOG_MAX} characters (marked with "..."). */
    public static String forLog(String s) {
        if (s == null) {
            return "null";
        }
        String cut = s.length() > LOG_MAX ? s.substring(0, LOG_MAX) : s;
        return clean(cut) + (cut.length() < s.length() ? "..." : "");
    }

    /** For a header field or a line of a report: one line, no controls, the length left to the caller. */
    public static String oneLine(String s) {
        return s == null ? "" : clean(s);
    }

    /** Whether {@code s} holds nothing {@link #oneLine} would change. */
    public static boolean isClean(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (unfit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static String clean(String s) {
        if (isClean(s)) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(unfit(c) ? '?' : c);
        }
        return out.toString();
    }

    /** C0 and C1 controls (CR, LF, NUL, ESC, NEL...) and U+2028/U+2029, which some log viewers break lines at. */
    private static boolean unfit(char c) {
        return Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
    }
}
