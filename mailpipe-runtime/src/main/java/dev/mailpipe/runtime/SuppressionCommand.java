package dev.mailpipe.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.mailpipe.model.Suppression;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code ./mailpipe suppression [list] [--json]} lists the recipients the relay no longer sends to,
 * with why and until when; {@code ./mailpipe suppression remove <address>} lifts one (a tombstone on
 * {@code mail.suppressed}, which every relay replica follows). Exit 1 for an address that is not
 * suppressed, 2 for a wrong command line. queue-manager's {@code /api/suppression} runs it too.
 */
public final class SuppressionCommand {
    private SuppressionCommand() {
    }

    /** {@code args}: the bootstrap servers, then the command's words. Returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        return args.length == 0 ? run(Map.of(), List.of(), out, err)
                : run(Map.of("bootstrap.servers", args[0]), List.of(args).subList(1, args.length), out, err);
    }

    /** The same with a service's own Kafka settings (queue-manager's: its login too) and the command's words. */
    public static int run(Map<String, Object> kafka, List<String> command, PrintStream out, PrintStream err) throws Exception {
        List<String> words = new ArrayList<>();
        words.add(String.valueOf(kafka.get("bootstrap.servers")));
        words.addAll(command);
        boolean json = words.remove("--json");
        if (words.size() == 2 && words.get(1).equals("list")) {
            words.remove(1);
        }
        boolean list = words.size() == 1;
        boolean remove = words.size() == 3 && words.get(1).equals("remove");
        if (!list && !remove || kafka.isEmpty()) {
            err.println("usage: ./mailpipe suppression [list] [--json] | ./mailpipe suppression remove <address>");
            return 2;
        }
        Instant now = Instant.now();
        List<Suppression> active;
        try (SuppressionList suppressions = new SuppressionList(kafka)) {
            if (!suppressions.awaitLoaded(Duration.ofSeconds(30))) {
                err.println("mail.suppressed could not be read within 30 s");
                return 2;
            }
            active = suppressions.active(now);
        }
        if (list) {
            out.print(json ? json(active) : table(active, now));
            return 0;
        }
        String address = words.get(2);
        if (active.stream().noneMatch(s -> Suppression.key(s.address()).equals(Suppression.key(address)))) {
            err.println(dev.mailpipe.model.PeerText.oneLine(address) + " is not suppressed");
            return 1;
        }
        Map<String, Object> settings = KafkaClients.producer(kafka);
        settings.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(settings, new StringSerializer(), new ByteArraySerializer())) {
            p.send(SuppressionList.lift(address)).get(30, TimeUnit.SECONDS);
        }
        out.println("lifted the suppression of " + Suppression.key(address));
        return 0;
    }

    private static String table(List<Suppression> active, Instant now) {
        if (active.isEmpty()) {
            return "no recipient is suppressed\n";
        }
        StringBuilder b = new StringBuilder(String.format("%-40s %-10s %-10s %s%n", "address", "since", "for", "why"));
        for (Suppression s : active) {
            b.append(String.format("%-40s %-10s %-10s %s%n", s.address(), HumanTime.span(Duration.between(s.at(), now)),
                    HumanTime.span(Duration.between(now, s.until())), dev.mailpipe.model.PeerText.oneLine(s.diagnostic())));
        }
        return b.toString();
    }

    private static String json(List<Suppression> active) throws Exception {
        ObjectMapper m = new ObjectMapper();
        ArrayNode all = m.createArrayNode();
        for (Suppression s : active) {
            all.add(m.readTree(s.toJson()));
        }
        return m.writeValueAsString(all) + "\n";
    }
}
