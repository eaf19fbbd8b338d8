package dev.mailpipe.ingress;

import dev.mailpipe.model.PeerText;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * What a policy server's {@code action=} means (Postfix's access(5) actions, as
 * SMTPD_POLICY_README uses them): {@code OK} accepts the recipient without asking later hooks,
 * {@code DUNNO} has no opinion, {@code REJECT}/{@code DEFER}/{@code DEFER_IF_PERMIT} and
 * {@code 4NN}/{@code 5NN text} refuse, {@code PREPEND} adds a header field to the message,
 * {@code DISCARD} accepts it and drops it (the client hears 250). mailpipe has no hold queue:
 * {@code HOLD}, like {@code WARN}, {@code INFO}, {@code FILTER}, {@code REDIRECT} and {@code BCC},
 * is logged and otherwise taken as {@code DUNNO}. An action it cannot read defers with
 * {@code 451 4.3.5}, as Postfix does.
 */
final class PolicyAction {
    private static final Logger LOG = Logger.getLogger(PolicyAction.class);
    private static final Pattern CODE = Pattern.compile("([45])(\\d\\d)(?:\\s+([245]\\.\\d{1,3}\\.\\d{1,3}))?(?:\\s+(.*))?");
    private static final Pattern FIELD = Pattern.compile("[!-9;-~]+:[ \\t]*.*");
    private static final int MAX_TEXT = 400;
    static final Reply UNREADABLE = Reply.of(451, "4.3.5", "Server configuration error");

    private PolicyAction() {
    }

    /**
     * The hook's answer for {@code action} about {@code what} (the recipient, as {@code <a@b>}, or
     * null at the end of data); PREPEND and DISCARD are noted on {@code transaction}.
     */
    static HookResult interpret(String action, String what, MailTransaction transaction, String sessionId) {
        String clean = PeerText.oneLine(action == null ? "" : action).trim();
        int space = clean.indexOf(' ');
        String verb = (space < 0 ? clean : clean.substring(0, space)).toUpperCase(Locale.ROOT);
        String text = space < 0 ? "" : truncated(clean.substring(space + 1).trim());
        Matcher code = CODE.matcher(clean);
        if (code.matches()) {
            String klass = code.group(1);
            boolean ownStatus = code.group(3) != null && code.group(3).startsWith(klass);
            String status = ownStatus ? code.group(3) : klass + ".7.1";
            String said = (code.group(3) != null && !ownStatus ? code.group(3) + " " : "")
                    + (code.group(4) == null ? "" : code.group(4));
            said = truncated(said.trim());
            return HookResult.refuse(Reply.of(Integer.parseInt(klass + code.group(2)), status, rejected(what, said)));
        }
        switch (verb) {
            case "OK":
                return HookResult.ACCEPT;
            case "DUNNO":
                return HookResult.NEXT;
            case "REJECT":
                return HookResult.refuse(Reply.of(554, "5.7.1", rejected(what, text.isEmpty() ? "Access denied" : text)));
            case "DEFER":
            case "DEFER_IF_PERMIT":
                // The policy server is asked last: whatever it defers would otherwise be permitted.
                return HookResult.refuse(Reply.of(450, "4.7.1", rejected(what, text.isEmpty() ? "Try again later" : text)));
            case "DEFER_IF_REJECT":
                return HookResult.NEXT; // nothing after it rejects
            case "PREPEND":
                if (!FIELD.matcher(text).matches()) {
                    LOG.warnf("[%s] policy server: PREPEND without a header field (%s); deferred", sessionId, text);
                    return HookResult.refuse(UNREADABLE);
                }
                if (transaction.prepended.size() < MailTransaction.MAX_PREPENDED) {
                    transaction.prepended.add(text);
                }
                return HookResult.NEXT;
            case "DISCARD":
                LOG.infof("[%s] policy server: discard%s", sessionId, text.isEmpty() ? "" : " (" + text + ")");
                transaction.discarded = true;
                return HookResult.NEXT;
            case "HOLD":
            case "WARN":
            case "INFO":
            case "FILTER":
            case "REDIRECT":
            case "BCC":
                LOG.infof("[%s] policy server said %s%s; taken as DUNNO", sessionId, verb, text.isEmpty() ? "" : " " + text);
                return HookResult.NEXT;
            default:
                LOG.warnf("[%s] policy server: unknown action \"%s\"; deferred", sessionId, truncated(clean));
                return HookResult.refuse(UNREADABLE);
        }
    }

    private static String rejected(String what, String text) {
        return what == null ? text : what + ": Recipient address rejected: " + text;
    }

    private static String truncated(String s) {
        return s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT);
    }
}
