package dev.mailpipe.ingress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailpipe.model.PeerText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What rspamd's {@code /checkv2} answer means for a message: its action (reject, soft reject,
 * greylist, add header, rewrite subject, no action), the score, the symbols, a virus its antivirus
 * module found, and the header changes of its {@code milter} block. Read once into this record;
 * {@link #apply} turns it into the hook's answer and the message's changes.
 */
record RspamdVerdict(String action, double score, double required, List<String> symbols, String smtpMessage, String subject,
        Map<String, String> addHeaders, Map<String, Integer> removeHeaders, String virus) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_TEXT = 300;
    /** The field mail tagged as spam carries, as rspamd's own milter mode adds it. */
    static final String SPAM_FIELD = "X-Spam: Yes\r\n";

    static RspamdVerdict parse(byte[] answer) throws IOException {
        JsonNode n = JSON.readTree(answer);
        if (n == null || !n.path("action").isTextual()) {
            throw new IOException("rspamd's answer has no action");
        }
        List<String> symbols = new ArrayList<>();
        String virus = null;
        for (var it = n.path("symbols").fields(); it.hasNext();) {
            var s = it.next();
            symbols.add(s.getKey());
            if (virus == null && s.getKey().toUpperCase(Locale.ROOT).contains("VIRUS")) {
                JsonNode options = s.getValue().path("options");
                virus = options.isArray() && options.size() > 0 ? options.get(0).asText() : s.getKey();
            }
        }
        Map<String, String> add = new LinkedHashMap<>();
        for (var it = n.path("milter").path("add_headers").fields(); it.hasNext();) {
            var h = it.next();
            JsonNode v = h.getValue();
            add.put(h.getKey(), v.isObject() ? v.path("value").asText() : v.asText());
        }
        Map<String, Integer> remove = new LinkedHashMap<>();
        for (var it = n.path("milter").path("remove_headers").fields(); it.hasNext();) {
            var h = it.next();
            remove.put(h.getKey(), h.getValue().asInt(0));
        }
        String message = n.path("messages").path("smtp_message").asText(null);
        return new RspamdVerdict(n.path("action").asText().toLowerCase(Locale.ROOT), n.path("score").asDouble(),
                n.path("required_score").asDouble(), symbols, message, n.path("subject").asText(null), add, remove, virus);
    }

    /** Spam that is delivered, to the Junk folder: add header or rewrite subject. */
    boolean junk() {
        return action.equals("add header") || action.equals("rewrite subject");
    }

    /** For the envelope, the event and the log: action, score, symbols, in one bounded line. */
    String summary() {
        String s = "rspamd: " + action + ", score " + String.format(Locale.ROOT, "%.2f/%.2f", score, required)
                + (virus == null ? "" : ", virus " + virus) + (symbols.isEmpty() ? "" : ", " + String.join(" ", symbols));
        return clean(s, MAX_TEXT);
    }

    /** The hook's answer; the header changes rspamd asked for are made on {@code message} when it goes on. */
    HookResult apply(IncomingMessage message) {
        message.contentScan(summary(), junk() || message.junk());
        if (virus != null) {
            return HookResult.refuse(Reply.of(554, "5.7.1", "Message rejected: virus found: " + clean(virus, 100)));
        }
        switch (action) {
            case "reject":
                return HookResult.refuse(Reply.of(550, "5.7.1", text("Spam message rejected")));
            case "soft reject":
            case "greylist":
                return HookResult.refuse(Reply.of(451, "4.7.1", text("Try again later")));
            default:
                break;
        }
        String newSubject = action.equals("rewrite subject") && subject != null ? clean(subject, 998) : null;
        if (!removeHeaders.isEmpty() || newSubject != null) {
            message.replace(HeaderEdits.apply(message.bytes(), message.headLength(), removeHeaders, newSubject),
                    message.headLength());
        }
        StringBuilder fields = new StringBuilder(junk() ? SPAM_FIELD : "");
        addHeaders.forEach((name, value) -> {
            if (name.matches("[!-9;-~]{1,76}")) {
                fields.append(name).append(": ").append(clean(value, 900)).append("\r\n");
            }
        });
        message.addFieldsBelowTrace(fields.toString().getBytes(StandardCharsets.UTF_8));
        return HookResult.NEXT;
    }

    private String text(String otherwise) {
        return smtpMessage == null || smtpMessage.isBlank() ? otherwise : clean(smtpMessage, MAX_TEXT);
    }

    private static String clean(String s, int max) {
        String one = PeerText.oneLine(s);
        return one.length() <= max ? one : one.substring(0, max);
    }
}
