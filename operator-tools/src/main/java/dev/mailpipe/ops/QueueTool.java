package dev.mailpipe.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.EnvelopeCodec;
import dev.mailpipe.model.RecordHeaders;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

/**
 * {@code ./mailpipe queue [--json]}: the deferred mail as {@code mailq} shows Postfix's, grouped by
 * destination (the retry record's key: a domain, or a mailbox for a quota deferral), with each
 * message's tier, age, attempts, when it is due and why the last attempt failed. It reads what
 * waits in the retry tiers past the scheduler's committed offsets, and changes nothing.
 */
public final class QueueTool {
    private QueueTool() {
    }

    /** One message waiting in a tier. */
    record Waiting(String destination, String tier, Envelope envelope, int size) {
    }

    public static void main(String[] args) throws Exception {
        List<String> words = new ArrayList<>(List.of(args));
        boolean json = words.remove("--json");
        if (words.size() != 1) {
            System.err.println("usage: ./mailpipe queue [--json]");
            System.exit(2);
        }
        List<Waiting> queue = read(words.get(0));
        System.out.print(json ? json(queue) : table(queue, Instant.now()));
    }

    static List<Waiting> read(String bootstrap) throws Exception {
        List<Waiting> out = new ArrayList<>();
        try (Admin admin = OpsClients.admin(bootstrap); KafkaConsumer<byte[], byte[]> consumer = OpsClients.reader(bootstrap, null)) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(KafkaStatus.RETRY_GROUP)
                    .partitionsToOffsetAndMetadata().get();
            for (String tier : Topics.RETRY_TIERS) {
                String topic = Topics.RETRY_PREFIX + tier;
                List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                        .map(p -> new TopicPartition(topic, p.partition())).toList();
                consumer.assign(partitions);
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
                for (TopicPartition tp : partitions) {
                    OffsetAndMetadata from = committed.get(tp);
                    if (from == null) {
                        consumer.seekToBeginning(List.of(tp));
                    } else {
                        consumer.seek(tp, from.offset());
                    }
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        Header h = r.headers().lastHeader(RecordHeaders.ENVELOPE);
                        if (h != null && r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                            out.add(new Waiting(r.key() == null ? "?" : new String(r.key(), java.nio.charset.StandardCharsets.UTF_8), tier, EnvelopeCodec.decode(h.value()), r.value() == null ? 0 : r.value().length));
                        }
                    }
                }
            }
        }
        return out;
    }

    static String table(List<Waiting> queue, Instant now) {
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
                String due = e.notBefore().map(t -> t.isAfter(now) ? "due in " + StatusScreen.span(Duration.between(now, t)) : "due now")
                        .orElse("due now");
                out.append(String.format("  %-26s %8d B  tier %-4s  arrived %s ago  attempt %d  %s  <%s>%n", e.id(), w.size(),
                        w.tier(), StatusScreen.span(Duration.between(e.receivedAt(), now)), e.attempt(), due, e.mailFrom()));
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

    static String json(List<Waiting> queue) {
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
        return list.toPrettyString() + "\n";
    }
}
