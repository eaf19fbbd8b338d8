package dev.mailpipe.model;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Builds the record a stage writes to {@code mail.dead-letter} for input it cannot use: the original
 * key, value and headers, plus headers that say which stage gave up, on which topic, and why. An
 * operator can read it with kcat and, once the cause is fixed, copy it back to its topic.
 */
public final class DeadLetters {
    private DeadLetters() {
    }

    public static ProducerRecord<String, byte[]> record(String stage, String sourceTopic, String key, byte[] value,
            Iterable<org.apache.kafka.common.header.Header> originalHeaders, String reason) {
        var headers = new org.apache.kafka.common.header.internals.RecordHeaders();
        if (originalHeaders != null) {
            originalHeaders.forEach(headers::add);
        }
        headers.add(new RecordHeader(dev.mailpipe.model.RecordHeaders.DEAD_LETTER_STAGE, utf8(stage)));
        headers.add(new RecordHeader(dev.mailpipe.model.RecordHeaders.DEAD_LETTER_TOPIC, utf8(sourceTopic)));
        headers.add(new RecordHeader(dev.mailpipe.model.RecordHeaders.DEAD_LETTER_REASON, utf8(reason)));
        return new ProducerRecord<>(Topics.DEAD_LETTER, null, key, value == null ? new byte[0] : value, headers);
    }

    private static byte[] utf8(String s) {
        return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
    }
}
