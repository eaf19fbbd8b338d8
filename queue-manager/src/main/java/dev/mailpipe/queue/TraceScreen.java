package dev.mailpipe.queue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A message's history as lines, one per event, as a mail log reads:
 * {@code 12:00:01.250  routed     routing-service (local-1)  bob@example.test  local delivery}, then
 * the facts that matter for that step (client, route, remote host and reply, tier and due time).
 */
final class TraceScreen {
    /** The fields shown under an event, in this order, when it has them. */
    private static final List<String> FACTS = List.of("client", "helo", "tls", "auth", "sender", "recipients", "size",
            "messageId", "route", "mx", "remoteHost", "reply", "status", "tier", "due", "file");

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
        return out.toString();
    }
}
