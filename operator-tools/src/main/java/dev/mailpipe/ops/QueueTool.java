package dev.mailpipe.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailpipe.model.EnvelopeCodec;
import dev.mailpipe.model.RecordHeaders;
import dev.mailpipe.model.Topics;
import dev.mailpipe.runtime.QueueListing.Waiting;
import dev.mailpipe.runtime.QueueListing;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

/**
 * {@code ./mailpipe queue [--json]}: the deferred mail as {@code mailq} shows Postfix's
 * ({@link QueueListing}), read from the retry tiers past queue-manager's committed offsets; it
 * changes nothing and works while queue-manager is down.
 *
 * <p>{@code queue flush [<domain>]} makes deferred mail due now, {@code queue drop <queue id>}
 * removes a message and bounces it to its sender. Only the owner of the tiers may change them, so
 * these ask queue-manager's API ({@code MAILPIPE_QUEUE_API}, as the administrator with
 * {@code MAILPIPE_API_ADMIN_PASSWORD}). Exit status: 0 done, 1 nothing matched (an unknown id, a
 * domain with nothing queued), 2 usage, 3 queue-manager unreachable or failing.
 */
public final class QueueTool {
    private QueueTool() {
    }

    public static void main(String[] args) throws Exception {
        List<String> words = new ArrayList<>(List.of(args));
        boolean json = words.remove("--json");
        if (words.isEmpty()) {
            usage();
        }
        String bootstrap = words.remove(0);
        if (words.isEmpty()) {
            List<Waiting> queue = read(bootstrap);
            System.out.print(json ? QueueListing.json(queue).toPrettyString() + "\n" : QueueListing.table(queue, Instant.now()));
            return;
        }
        String verb = words.remove(0);
        switch (verb) {
            case "flush" -> {
                if (words.size() > 1) {
                    usage();
                }
                String path = words.isEmpty() ? "/api/queue/flush" : "/api/queue/flush/" + QueueApi.encode(words.get(0));
                System.exit(ask("POST", path, "flushed", json));
            }
            case "drop" -> {
                if (words.size() != 1) {
                    usage();
                }
                System.exit(ask("DELETE", "/api/queue/" + QueueApi.encode(words.get(0)), "dropped", json));
            }
            default -> usage();
        }
    }

    private static void usage() {
        System.err.println("usage: ./mailpipe queue [--json] | queue flush [<domain>] | queue drop <queue id>");
        System.exit(2);
    }

    /** One command to queue-manager; prints what it did (or why nothing), returns the exit status. */
    static int ask(String method, String path, String verb, boolean json) throws InterruptedException {
        HttpResponse<String> response = QueueApi.send(method, path, "application/json");
        if (response == null) {
            return QueueApi.UNAVAILABLE;
        }
        JsonNode body;
        try {
            body = new ObjectMapper().readTree(response.body());
        } catch (IOException e) {
            body = null;
        }
        if (json && body != null) {
            System.out.println(body.toPrettyString());
        }
        return switch (response.statusCode()) {
            case 200 -> {
                if (!json) {
                    System.out.printf("%s %d message(s):%n", verb, body.path(verb).asInt());
                    for (JsonNode m : body.path("messages")) {
                        System.out.printf("  %s  %s  tier %s  <%s>%n", m.path("id").asText(), m.path("destination").asText(),
                                m.path("tier").asText(), m.path("sender").asText());
                    }
                }
                yield 0;
            }
            case 404 -> {
                if (!json) {
                    System.err.println(body == null ? "nothing matched" : body.path("error").asText("nothing matched"));
                }
                yield 1;
            }
            default -> {
                System.err.println("queue-manager answered " + response.statusCode() + ": "
                        + (body == null ? response.body() : body.path("error").asText(response.body())));
                yield QueueApi.UNAVAILABLE;
            }
        };
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
                            out.add(new Waiting(r.key() == null ? "?" : new String(r.key(), StandardCharsets.UTF_8), tier, EnvelopeCodec.decode(h.value()), r.value() == null ? 0 : r.value().length));
                        }
                    }
                }
            }
        }
        return out;
    }
}
