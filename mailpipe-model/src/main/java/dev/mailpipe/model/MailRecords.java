package dev.mailpipe.model;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The one way a stage writes mail onto a topic, and reads it back: the message as value, the
 * envelope in its {@code mailpipe-envelope} header.
 */
public final class MailRecords {
    private MailRecords() {
    }

    /** The record for {@code topic}: key, the message as value, the envelope in its header. */
    public static ProducerRecord<String, byte[]> record(String topic, String key, Envelope envelope, byte[] message) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, message);
        record.headers().add(envelopeHeader(envelope));
        return record;
    }

    /** The envelope a record carries; {@link MalformedEnvelopeException} when it has none or a bad one. */
    public static Envelope envelope(Headers headers) {
        Header h = headers.lastHeader(RecordHeaders.ENVELOPE);
        return EnvelopeCodec.decode(h == null ? null : h.value());
    }

    public static Envelope envelope(ConsumerRecord<?, ?> record) {
        return envelope(record.headers());
    }

    /** A text header (the dead-letter ones, say) as UTF-8, if present. */
    public static Optional<String> text(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? Optional.empty() : Optional.of(new String(h.value(), StandardCharsets.UTF_8));
    }

    private static RecordHeader envelopeHeader(Envelope envelope) {
        return new RecordHeader(RecordHeaders.ENVELOPE, EnvelopeCodec.encode(envelope));
    }
}
