package dev.mailpipe.queue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A message's history as lines, one per event, as a mail log reads:
 * {@code <time>  routed  routing-service (local-1)  bob@example.test  local delivery}, then the facts
 * that matter for that step (client, route, remote host and reply, tier and due time); last, where
 * each recipient stands: the latest event about it, its domain or its mailbox.
 */
final class TraceScreen {
    /** The fields shown under an event, in this order, when it has them. */
    private static final List<String> FACTS = List.of("client", "helo", "tls", "auth", "sender", "recipients", "size",
            "messageId", "senderAuth", "route", "mx", "remoteHost", "reply", "dkim", "status", "tier", "due", "file");

    private TraceScreen() {
    }

    static String lines(List<JsonNode> events) {
        StringBuilder out = new StringBuilder();
        out.append("message ").append(events.get(0).path("id").asText()).append(": ").append(events.size())
                .append(" event(s)\n");
        for (JsonNode e : events) {
            out.append(String.format("%-24s  %-13s %s (%s)  %s  %s%n", e.path("at").asText(), e.path("type").asText(),
                    e.path("stage").asText(), e.path("instance").asText("?"), e.path("recipient").asText("-"),
                    e.path("detail").asText("")));
            StringBuilder facts = new StringBuilder();
            for (String f : FACTS) {
                JsonNode v = e.path(f);
                if (!v.isMissingNode() && !v.isNull() && !(f.equals("reply") && v.asText().equals(e.path("detail").asText()))) {
                    facts.append(facts.length() == 0 ? "      " : ", ").append(f).append('=')
                            .append(v.isArray() ? v.toString() : v.asText());
                }
            }
            if (facts.length() > 0) {
                out.append(facts).append('\n');
            }
        }
        List<String> recipients = new java.util.ArrayList<>();
        events.stream().filter(e -> e.path("type").asText().equals("received"))
                .forEach(e -> e.path("recipients").forEach(r -> recipients.add(r.asText())));
        if (!recipients.isEmpty()) {
            out.append("per recipient:\n");
        }
        for (String rcpt : recipients) {
            JsonNode last = null;
            for (JsonNode e : events) {
                if (concerns(e.path("recipient").asText(""), rcpt)) {
                    last = e;
                }
            }
            out.append("  ").append(rcpt).append(": ").append(last == null ? "received, nothing since"
                    : last.path("type").asText() + " at " + last.path("at").asText() + " (" + last.path("detail").asText("") + ")")
                    .append('\n');
        }
        return out.toString();
    }

    /** Whether an event's recipient field names this recipient: the address, its mailbox, or its domain. */
    private static boolean concerns(String eventRecipient, String rcpt) {
        if (eventRecipient.isEmpty()) {
            return false;
        }
        String domain = rcpt.substring(rcpt.lastIndexOf('@') + 1);
        return eventRecipient.equalsIgnoreCase(rcpt) || eventRecipient.equalsIgnoreCase(domain);
    }
}
