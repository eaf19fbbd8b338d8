package dev.mailpipe.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailpipe.model.DestinationAction;
import dev.mailpipe.model.PeerText;
import dev.mailpipe.runtime.HumanTime;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.stream.Collectors;

/** A {@link StatusReport} as a screen a person reads at a glance, or as JSON for scripts. */
public final class StatusScreen {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    private StatusScreen() {
    }

    public static String text(StatusReport r) {
        StringBuilder out = new StringBuilder();
        out.append(String.format("stages at %s%n", CLOCK.format(Instant.ofEpochMilli(r.at()))));
        out.append(String.format("  %-17s %-8s %-8s %-14s %8s  %s%n", "stage", "members", "group", "input", "lag",
                "lag per partition"));
        for (StatusReport.Stage s : r.stages()) {
            out.append(String.format("  %-17s %-8d %-8s %-14s %8d  %s%s%n", s.name(), s.members(), s.state(), s.topic(), s.lag(),
                    s.lagPerPartition().stream().map(String::valueOf).collect(Collectors.joining(" ")),
                    s.members() == 0 && s.lag() > 0 ? "   <- nobody reads it" : ""));
        }
        out.append(String.format("retry tiers (%s: %d member%s): %d waiting%n", KafkaStatus.RETRY_GROUP, r.retryMembers(),
                r.retryMembers() == 1 ? "" : "s", r.retryWaiting()));
        for (StatusReport.Tier t : r.retryTiers()) {
            out.append(String.format("  %-22s %8d waiting%s%n", t.topic(), t.waiting(),
                    t.oldest() == null ? "" : ", oldest deferred " + ago(t.oldest())));
        }
        out.append(String.format("dead letters: %d in mail.dead-letter%s%n", r.deadLetters(),
                r.deadLetters() > 0 ? " (kcat -C -t mail.dead-letter -f '%h\\n' says why)" : ""));
        out.append(String.format("held destinations: %d%s%n", r.held().size(),
                r.held().isEmpty() ? "" : " (./mailpipe destination resume <destination> lifts one)"));
        for (DestinationAction a : r.held()) {
            String action = action(a) + (a.kind() == DestinationAction.Kind.SLOW ? " x" + a.factor() : "");
            out.append(String.format("  %-30s %-9s by %-8s until %s (%s left)%s%n", a.destination(), action, a.by(),
                    CLOCK.format(a.until()), HumanTime.span(Duration.between(Instant.ofEpochMilli(r.at()), a.until())),
                    a.reason().isEmpty() ? "" : ": " + PeerText.oneLine(a.reason())));
        }
        out.append(String.format("last minute: %d accepted (%.1f/s), %d delivered (%.1f/s)%n", r.lastMinute().accepted(),
                r.lastMinute().accepted() / 60.0, r.lastMinute().delivered(), r.lastMinute().delivered() / 60.0));
        return out.toString();
    }

    public static String json(StatusReport r) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("at", Instant.ofEpochMilli(r.at()).toString());
        ArrayNode stages = root.putArray("stages");
        for (StatusReport.Stage s : r.stages()) {
            ObjectNode n = stages.addObject();
            n.put("stage", s.name()).put("group", s.group()).put("state", s.state()).put("members", s.members())
                    .put("topic", s.topic()).put("lag", s.lag());
            ArrayNode parts = n.putArray("lagPerPartition");
            s.lagPerPartition().forEach(parts::add);
        }
        ObjectNode retry = root.putObject("retry");
        retry.put("group", KafkaStatus.RETRY_GROUP).put("members", r.retryMembers()).put("waiting", r.retryWaiting());
        ArrayNode tiers = retry.putArray("tiers");
        for (StatusReport.Tier t : r.retryTiers()) {
            ObjectNode n = tiers.addObject().put("topic", t.topic()).put("waiting", t.waiting());
            if (t.oldest() != null) {
                n.put("oldestSeconds", t.oldest().toSeconds());
            } else {
                n.putNull("oldestSeconds");
            }
        }
        root.put("deadLetters", r.deadLetters());
        ArrayNode held = root.putArray("held");
        for (DestinationAction a : r.held()) {
            ObjectNode n = held.addObject().put("destination", a.destination()).put("action", action(a))
                    .put("by", a.by()).put("until", a.until().toString()).put("reason", a.reason());
            if (a.kind() == DestinationAction.Kind.SLOW) {
                n.put("factor", a.factor());
            }
        }
        root.putObject("lastMinute").put("accepted", r.lastMinute().accepted()).put("delivered", r.lastMinute().delivered());
        return root.toPrettyString();
    }

    private static String action(DestinationAction a) {
        return a.kind().name().toLowerCase(java.util.Locale.ROOT);
    }

    static String ago(Duration d) {
        return HumanTime.span(d) + " ago";
    }
}
