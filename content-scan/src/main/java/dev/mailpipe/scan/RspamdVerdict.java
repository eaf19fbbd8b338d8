package dev.mailpipe.scan;

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
 * {@link #editHeader} and {@link #fieldsToAdd} are its header changes; what a refusal means is the caller's (the ingress's
 * reply before the queue, content-filter's drop or quarantine after it).
 */
public record RspamdVerdict(String action, double score, double required, List<String> symbols, String smtpMessage, String subject,
        Map<String, String> addHeaders, Map<String, Integer> removeHeaders, String virus) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_TEXT = 300;
    /** The field mail tagged as spam carries, as rspamd's own milter mode adds it. */
    static final String SPAM_FIELD = "X-Spam: Yes\r\n";
    /**
     * The symbol rspamd's antivirus module inserts for a virus, as its rules name it
     * ({@code CLAM_VIRUS}, {@code FPROT_VIRUS}...): ending in {@code VIRUS}. Not any symbol with
     * the word in it: {@code RBL_VIRUSFREE_UNKNOWN_FAIL} is a DNS list that did not answer and
     * {@code CLAM_VIRUS_FAIL} a scanner that did not.
     */
    private static final java.util.regex.Pattern ANTIVIRUS_SYMBOL = java.util.regex.Pattern.compile("(?:.*_)?VIRUS");

    public static RspamdVerdict parse(byte[] answer) throws IOException {
        JsonNode n = JSON.readTree(answer);
        if (n == null || !n.path("action").isTextual()) {
            throw new IOException("rspamd's answer has no action");
        }
        // The symbols that weigh most first: the summary is bounded, and a dozen DNS lists that did
        // not answer (score 0) must not push out the rule that made the verdict.
        List<Map.Entry<String, Double>> weighed = new ArrayList<>();
        String virus = null;
        for (var it = n.path("symbols").fields(); it.hasNext();) {
            var s = it.next();
            weighed.add(Map.entry(s.getKey(), Math.abs(s.getValue().path("score").asDouble(0))));
            if (virus == null && ANTIVIRUS_SYMBOL.matcher(s.getKey().toUpperCase(Locale.ROOT)).matches()) {
                JsonNode options = s.getValue().path("options");
                virus = options.isArray() && options.size() > 0 ? options.get(0).asText() : s.getKey();
            }
        }
        weighed.sort(Map.Entry.<String, Double>comparingByValue().reversed());
        List<String> symbols = weighed.stream().map(Map.Entry::getKey).toList();
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
    public boolean junk() {
        return action.equals("add header") || action.equals("rewrite subject");
    }

    /** For the envelope, the event and the log: action, score, symbols, in one bounded line. */
    public String summary() {
        String s = "rspamd: " + action + ", score " + String.format(Locale.ROOT, "%.2f/%.2f", score, required)
                + (virus == null ? "" : ", virus " + virus) + (symbols.isEmpty() ? "" : ", " + String.join(" ", symbols));
        return clean(s, MAX_TEXT);
    }

    /**
     * {@code message} with rspamd's removals and new Subject applied to its header section past the
     * first {@code keep} octets (this server's own fields, never touched); {@code message} itself
     * when rspamd asked for neither.
     */
    public byte[] editHeader(byte[] message, int keep) {
        String newSubject = action.equals("rewrite subject") && subject != null ? clean(subject, 998) : null;
        return removeHeaders.isEmpty() && newSubject == null ? message : HeaderEdits.apply(message, keep, removeHeaders, newSubject);
    }

    /**
     * The header fields to add, whole lines: {@code X-Spam: Yes} for spam that is delivered, then
     * the fields of rspamd's milter block, names checked and values cleaned to one bounded line.
     */
    public byte[] fieldsToAdd() {
        StringBuilder fields = new StringBuilder(junk() ? SPAM_FIELD : "");
        addHeaders.forEach((name, value) -> {
            if (name.matches("[!-9;-~]{1,76}")) {
                fields.append(name).append(": ").append(clean(value, 900)).append("\r\n");
            }
        });
        return fields.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Refused by rspamd's antivirus module: the virus's name, cleaned and bounded; null when none was found. */
    public String virusName() {
        return virus == null ? null : clean(virus, 100);
    }

    /** Refused outright ({@code reject}) or for now ({@code soft reject}, {@code greylist}). */
    public boolean rejected() {
        return action.equals("reject");
    }

    public boolean deferred() {
        return action.equals("soft reject") || action.equals("greylist");
    }

    /** rspamd's own SMTP message for a refusal, cleaned, or {@code otherwise}. */
    public String replyText(String otherwise) {
        return text(otherwise);
    }

    private String text(String otherwise) {
        return smtpMessage == null || smtpMessage.isBlank() ? otherwise : clean(smtpMessage, MAX_TEXT);
    }

    private static String clean(String s, int max) {
        String one = PeerText.oneLine(s);
        return one.length() <= max ? one : one.substring(0, max);
    }
}
