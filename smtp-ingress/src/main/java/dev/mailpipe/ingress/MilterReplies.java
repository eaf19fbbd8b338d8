package dev.mailpipe.ingress;

import dev.mailpipe.ingress.milter.MilterVerdict;
import dev.mailpipe.model.PeerText;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SMTP reply for a milter's refusal: its own reply code and text when it gave one (libmilter's
 * {@code smfi_setreply}, one line or several), in the class of its verdict; Postfix's words
 * otherwise. The text is the milter's, cleaned: one line each, no control characters, bounded.
 */
final class MilterReplies {
    private static final Pattern LINE = Pattern.compile("([45])(\\d\\d)[ -]?(?:([245]\\.\\d{1,3}\\.\\d{1,3}) ?)?(.*)");
    private static final int MAX_LINES = 10;
    private static final int MAX_TEXT = 200;

    private MilterReplies() {
    }

    static Reply of(MilterVerdict v) {
        Reply fallback = v.kind() == MilterVerdict.Kind.TEMPFAIL ? MilterRun.TEMPFAILED : MilterRun.REJECTED;
        if (v.reply() == null) {
            return fallback;
        }
        List<String> lines = new ArrayList<>();
        int code = 0;
        String status = null;
        for (String raw : v.reply().split("\r?\n")) {
            Matcher m = LINE.matcher(PeerText.oneLine(raw).trim());
            if (!m.matches() || lines.size() == MAX_LINES) {
                break;
            }
            int lineCode = Integer.parseInt(m.group(1) + m.group(2));
            if (code == 0) {
                code = lineCode;
                status = m.group(3) != null && m.group(3).charAt(0) == m.group(1).charAt(0) ? m.group(3) : null;
            }
            String text = m.group(4).trim();
            lines.add(text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) : text);
        }
        if (code == 0 || (code / 100 == 4) != (v.kind() == MilterVerdict.Kind.TEMPFAIL)) {
            return fallback; // a reply whose class contradicts the milter's verdict is not believed
        }
        if (lines.stream().allMatch(String::isEmpty)) {
            lines = fallback.lines();
        }
        return new Reply(code, status != null ? status : fallback.status(), List.copyOf(lines));
    }
}
