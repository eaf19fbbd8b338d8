package dev.mailpipe.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.mailpipe.runtime.HumanTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./mailpipe dead-letters [--json]} lists {@code mail.dead-letter} with the reason of each;
 * {@code ./mailpipe dead-letters replay [<#offset | key>]} sends back every record not yet replayed,
 * or the one named (by its offset, or every waiting one with that key). Exit 1 for an id that names
 * nothing to replay, 2 for a wrong command line.
 */
public final class DeadLetterCommand {
    private DeadLetterCommand() {
    }

    /** The command's work; returns its exit code. queue-manager's {@code /api/dead-letters} runs it too. */
    public static int run(String[] args, java.io.PrintStream out, java.io.PrintStream err) throws Exception {
        List<String> words = new ArrayList<>(List.of(args));
        boolean json = words.remove("--json");
        if (words.isEmpty() || words.size() > 3 || (words.size() > 1 && !words.get(1).equals("replay"))) {
            err.println("usage: ./mailpipe dead-letters [--json] | ./mailpipe dead-letters replay [<#offset | key>]");
            return 2;
        }
        try (DeadLetterStore letters = new DeadLetterStore(words.get(0))) {
            List<DeadLetter> all = letters.all();
            DeadLetterStore.Progress progress = letters.progress();
            if (words.size() == 1) {
                out.print(json ? json(all, progress) : table(all, progress));
                return 0;
            }
            List<DeadLetter> chosen;
            boolean everything = words.size() == 2;
            if (everything) {
                // A record that failed again after a replay stays until it is named: no loop.
                chosen = all.stream().filter(d -> !progress.replayed(d.offset()) && !d.fromReplay() && d.sourceTopic() != null)
                        .toList();
            } else {
                String id = words.get(2);
                chosen = id.matches("#?[0-9]+")
                        ? all.stream().filter(d -> d.offset() == Long.parseLong(id.replace("#", ""))).toList()
                        : all.stream().filter(d -> id.equals(d.key()) && !progress.replayed(d.offset())).toList();
                if (chosen.isEmpty()) {
                    err.println(id.matches("#?[0-9]+") ? "no dead letter " + (id.startsWith("#") ? id : "#" + id)
                            : "no dead letter with key " + id + " waiting for a replay");
                    return 1;
                }
                if (chosen.stream().anyMatch(d -> d.sourceTopic() == null)) {
                    err.println("#" + chosen.get(0).offset() + " does not say which topic it came from; not replayed");
                    return 1;
                }
            }
            long through = all.isEmpty() ? progress.below() : all.get(all.size() - 1).offset() + 1;
            letters.replay(chosen, progress, everything, through);
            for (DeadLetter d : chosen) {
                out.printf("replayed #%d (%s) to %s%n", d.offset(), d.key(), d.sourceTopic());
            }
            out.printf("%d record(s) replayed%n", chosen.size());
            return 0;
        }
    }

    static String table(List<DeadLetter> all, DeadLetterStore.Progress progress) {
        StringBuilder out = new StringBuilder();
        long now = System.currentTimeMillis();
        if (!all.isEmpty()) {
            out.append(String.format("%-7s %-8s %-17s %-21s %-32s %-9s %s%n", "id", "age", "stage", "from", "key", "status",
                    "reason"));
        }
        int waiting = 0;
        for (DeadLetter d : all) {
            String status = progress.replayed(d.offset()) ? "replayed" : d.fromReplay() ? "again" : "waiting";
            if (!progress.replayed(d.offset())) {
                waiting++;
            }
            out.append(String.format("%-7s %-8s %-17s %-21s %-32s %-9s %s%n", "#" + d.offset(),
                    HumanTime.span(Duration.ofMillis(now - d.timestamp())), d.stage(),
                    d.sourceTopic() == null ? "?" : d.sourceTopic(), d.key() == null ? "-" : d.key(), status, d.reason()));
        }
        out.append(String.format("%d dead letter(s): %d not replayed%s%n", all.size(), waiting,
                waiting > 0 ? " (./mailpipe dead-letters replay [<id>] once the cause is fixed)" : ""));
        return out.toString();
    }

    static String json(List<DeadLetter> all, DeadLetterStore.Progress progress) {
        ArrayNode list = new ObjectMapper().createArrayNode();
        for (DeadLetter d : all) {
            list.addObject().put("id", d.offset()).put("at", Instant.ofEpochMilli(d.timestamp()).toString())
                    .put("stage", d.stage()).put("from", d.sourceTopic()).put("key", d.key()).put("reason", d.reason())
                    .put("replayed", progress.replayed(d.offset())).put("failedAfterReplay", d.fromReplay());
        }
        return list.toPrettyString() + "\n";
    }
}
