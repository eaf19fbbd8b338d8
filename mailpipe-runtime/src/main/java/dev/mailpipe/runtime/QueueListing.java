package dev.mailpipe.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.Recipient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The deferred queue as {@code mailq} shows Postfix's: grouped by destination (the retry record's
 * key: a domain, or a mailbox for a quota deferral), each message with its tier, age, attempts, when
 * it is due and why its last attempt failed; or the same as JSON. One form for {@code ./mailpipe
 * queue} and queue-manager's {@code GET /api/queue}.
 */
public final class QueueListing {
    private QueueListing() {
    }

    /** One message waiting in a tier (one record: its recipients for one destination). */
    public record Waiting(String destination, String tier, Envelope envelope, int size) {
    }

    public static String table(List<Waiting> queue, Instant now) {
        if (queue.isEmpty()) {
            return "Mail queue is empty\n";
        }
        Map<String, List<Waiting>> byDestination = new TreeMap<>();
        queue.forEach(w -> byDestination.computeIfAbsent(w.destination(), k -> new ArrayList<>()).add(w));
        StringBuilder out = new StringBuilder();
        long bytes = 0;
        for (var group : byDestination.entrySet()) {
            int recipients = group.getValue().stream().mapToInt(w -> w.envelope().recipients().size()).sum();
            out.append(String.format("%s: %d message(s), %d recipient(s)%n", group.getKey(), group.getValue().size(), recipients));
            for (Waiting w : group.getValue()) {
                Envelope e = w.envelope();
                bytes += w.size();
                String due = e.notBefore().filter(t -> t.isAfter(now))
                        .map(t -> "due in " + HumanTime.span(Duration.between(now, t))).orElse("due now");
                out.append(String.format("  %-26s %8d B  tier %-2s  arrived %s ago  attempt %d  %s  <%s>%n", e.id(), w.size(),
                        w.tier(), HumanTime.span(Duration.between(e.receivedAt(), now)), e.attempt(), due, e.mailFrom()));
                e.text(Envelope.LAST_DEFERRAL).ifPresent(reason -> out.append("      (").append(reason).append(")\n"));
                for (Recipient r : e.recipients()) {
                    out.append("      ").append(r.address()).append('\n');
                }
            }
        }
        out.append(String.format("-- %d Kbytes in %d message(s) for %d destination(s)%n", (bytes + 1023) / 1024, queue.size(),
                byDestination.size()));
        return out.toString();
    }

    public static ArrayNode json(List<Waiting> queue) {
        ArrayNode list = new ObjectMapper().createArrayNode();
        for (Waiting w : queue) {
            Envelope e = w.envelope();
            var n = list.addObject().put("destination", w.destination()).put("tier", w.tier()).put("id", e.id())
                    .put("size", w.size()).put("sender", e.mailFrom()).put("receivedAt", e.receivedAt().toString())
                    .put("attempt", e.attempt()).put("due", e.notBefore().map(Instant::toString).orElse(null))
                    .put("lastReason", e.text(Envelope.LAST_DEFERRAL).orElse(null));
            ArrayNode rcpts = n.putArray("recipients");
            e.recipients().forEach(r -> rcpts.add(r.address()));
        }
        return list;
    }
}
