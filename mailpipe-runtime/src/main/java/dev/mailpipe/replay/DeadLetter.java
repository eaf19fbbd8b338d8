package dev.mailpipe.replay;

import dev.mailpipe.model.RecordHeaders;
import dev.mailpipe.model.Topics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * One record of {@code mail.dead-letter}, whichever wrote it: a stage's own outcome (headers
 * {@code mailpipe-dead-letter-*}) or SmallRye's dead-letter-queue strategy ({@code dead-letter-*},
 * for a failure the stage did not expect). Both keep the original key, value and headers.
 */
record DeadLetter(long offset, long timestamp, String key, String stage, String sourceTopic, String reason,
        boolean fromReplay, ConsumerRecord<byte[], byte[]> record) {
    /** SmallRye's headers on what its dead-letter-queue strategy writes. */
    private static final String SMALLRYE_TOPIC = "dead-letter-topic";
    private static final String SMALLRYE_REASON = "dead-letter-reason";
    private static final String SMALLRYE_CAUSE = "dead-letter-cause";

    /** Headers that belong to the dead letter, not to the original record: a replay drops them. */
    static final Set<String> OWN_HEADERS = Set.of(RecordHeaders.DEAD_LETTER_REASON, RecordHeaders.DEAD_LETTER_STAGE,
            RecordHeaders.DEAD_LETTER_TOPIC, SMALLRYE_TOPIC, SMALLRYE_REASON, SMALLRYE_CAUSE, "dead-letter-partition",
            "dead-letter-offset", "dead-letter-exception-class-name", "dead-letter-cause-class-name", RecordHeaders.REPLAYED_FROM);

    static DeadLetter of(ConsumerRecord<byte[], byte[]> r) {
        String topic = header(r, RecordHeaders.DEAD_LETTER_TOPIC, header(r, SMALLRYE_TOPIC, null));
        String reason = header(r, RecordHeaders.DEAD_LETTER_REASON, null);
        if (reason == null) {
            String cause = header(r, SMALLRYE_CAUSE, null);
            reason = header(r, SMALLRYE_REASON, "(no reason given)") + (cause == null ? "" : ": " + cause);
        }
        String stage = header(r, RecordHeaders.DEAD_LETTER_STAGE, r.headers().lastHeader(SMALLRYE_TOPIC) != null
                ? stageReading(topic) : "?");
        return new DeadLetter(r.offset(), r.timestamp(), r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8),
                stage, topic, reason, r.headers().lastHeader(RecordHeaders.REPLAYED_FROM) != null, r);
    }

    /** The original headers, without the dead letter's own. */
    List<Header> originalHeaders() {
        return java.util.stream.StreamSupport.stream(record.headers().spliterator(), false)
                .filter(h -> !OWN_HEADERS.contains(h.key())).toList();
    }

    private static String stageReading(String topic) {
        if (topic == null) {
            return "?";
        }
        return switch (topic) {
            case "mail.inbound", "mail.notices" -> "routing-service";
            case "mail.relay" -> "relay-service";
            case "mail.delivery" -> "delivery-service";
            default -> topic.startsWith(Topics.RETRY_PREFIX) ? "queue-manager" : "?";
        };
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name, String otherwise) {
        Header h = r.headers().lastHeader(name);
        return h == null || h.value() == null ? otherwise : new String(h.value(), StandardCharsets.UTF_8);
    }
}
