package dev.mailpipe.model;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a failed or deferred delivery means, for events, metrics and suppression: the RFC 3463
 * enhanced status code first, then, where the code says little ({@code X.0.0}, {@code X.7.1},
 * {@code X.5.x}, or none at all, as some providers answer), rules over the reply's text that the big
 * mailbox providers' wording calls for. The label is what events and metrics carry.
 */
public enum FailureClass {
    /** The mailbox does not exist or is disabled (5.1.1, 5.1.6, 5.2.1): suppress it. */
    INVALID_RECIPIENT("invalid-recipient"),
    /** The domain has no mail system (5.1.2, 5.1.10 null MX, NXDOMAIN). */
    BAD_DOMAIN("bad-domain"),
    /** The mailbox is full (4.2.2, 5.2.2). */
    QUOTA("quota"),
    /** Refused as spam or for the sender's reputation (a block list). */
    SPAM_BLOCK("spam-block"),
    /** Refused by the site's policy (5.7.x that is neither spam nor authentication), rate limits. */
    POLICY("policy"),
    /** SPF, DKIM or DMARC did not pass (RFC 7372: 5.7.20 to 5.7.26). */
    AUTH("auth"),
    /** The message itself: too large, a virus, media not accepted (X.3.4, X.2.3, X.6.x). */
    CONTENT("content"),
    /** No way to the site: no answer, refused connections, loops, expired in the queue (X.4.x). */
    ROUTING("routing"),
    OTHER("other");

    private static final Pattern ENHANCED = Pattern.compile("(?<![\\d.])([245])\\.(\\d{1,3})\\.(\\d{1,3})(?![\\d.])");
    /** Text rules, in order: the first that matches names the class. */
    private static final Map<FailureClass, Pattern> TEXT = new java.util.LinkedHashMap<>();

    static {
        TEXT.put(AUTH, words("spf", "dkim", "dmarc", "not authenticated", "authentication (check|failure|failed|required)",
                "unauthenticated"));
        TEXT.put(SPAM_BLOCK, words("spam", "block ?list(ed)?", "black ?list(ed)?", "listed (at|on|in)", "spamhaus", "reputation",
                "rbl", "dnsbl", "junk", "blocked using", "poor reputation", "bulk mail"));
        TEXT.put(QUOTA, words("quota", "mailbox (is )?full", "over ?quota", "insufficient (system )?storage", "storage exceeded"));
        TEXT.put(INVALID_RECIPIENT, words("user unknown", "unknown user", "no such (user|mailbox|recipient)", "does not exist",
                "doesn't exist", "mailbox (not found|unavailable)", "invalid (recipient|mailbox|address)", "recipient (address )?rejected",
                "address rejected", "account (has been )?disabled", "mailbox disabled", "not a valid (mailbox|recipient)", "unrouteable address",
                "no mailbox here"));
        TEXT.put(BAD_DOMAIN, words("domain not found", "no such domain", "host not found", "domain does not exist", "null mx",
                "nxdomain", "does not accept mail"));
        TEXT.put(CONTENT, words("message (is )?too (large|big)", "message size", "size limit", "exceeds (the )?(maximum|size)", "virus",
                "malware", "attachment", "content rejected", "message content"));
        TEXT.put(POLICY, words("rate limit(ed)?", "too many (messages|connections|recipients)", "try again later", "policy",
                "not (allowed|authorized|permitted)", "relay(ing)? (access )?denied", "throttl(ed|ing)"));
        TEXT.put(ROUTING, words("no mx host reachable", "connection (refused|timed out|reset)", "timed out", "no route",
                "loop detected", "too many hops", "unreachable"));
    }

    private final String label;

    FailureClass(String label) {
        this.label = label;
    }

    /** As events and metrics carry it: {@code invalid-recipient}, {@code spam-block}... */
    public String label() {
        return label;
    }

    /**
     * The class of a failure with {@code status} (an enhanced code such as {@code 5.1.1}, or null)
     * and {@code text} (the reply or reason; its own enhanced code counts when {@code status} is null).
     */
    public static FailureClass of(String status, String text) {
        String t = text == null ? "" : text.toLowerCase(Locale.ROOT);
        String code = status;
        if (code == null || !ENHANCED.matcher(code).matches()) {
            Matcher m = ENHANCED.matcher(t);
            code = m.find() ? m.group() : null;
        }
        FailureClass byCode = code == null ? null : byCode(code);
        if (byCode != null) {
            return byCode;
        }
        for (var rule : TEXT.entrySet()) {
            if (rule.getValue().matcher(t).find()) {
                return rule.getKey();
            }
        }
        // A 5.7.x nothing more is known of is the site's policy; anything else, other.
        return code != null && code.substring(2).startsWith("7.") ? POLICY : OTHER;
    }

    /** What the code alone says; null where the text must decide. */
    private static FailureClass byCode(String code) {
        String[] p = code.split("\\.");
        int subject = Integer.parseInt(p[1]);
        int detail = Integer.parseInt(p[2]);
        switch (subject) {
            case 1:
                return switch (detail) {
                    case 1, 6 -> INVALID_RECIPIENT;
                    case 2, 10 -> BAD_DOMAIN;
                    case 0 -> null;
                    default -> OTHER;
                };
            case 2:
                return switch (detail) {
                    case 1 -> INVALID_RECIPIENT;
                    case 2 -> QUOTA;
                    case 3 -> CONTENT;
                    default -> null;
                };
            case 3:
                return detail == 4 ? CONTENT : null;
            case 4:
                return ROUTING;
            case 6:
                return CONTENT;
            case 7:
                if (detail >= 20 && detail <= 26) {
                    return AUTH;
                }
                return detail == 28 || detail == 27 ? POLICY : null; // 5.7.1 and the rest: the text decides
            default:
                return null;
        }
    }

    private static Pattern words(String... alternatives) {
        return Pattern.compile("\\b(" + String.join("|", List.of(alternatives)) + ")\\b");
    }
}
