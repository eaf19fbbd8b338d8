package dev.mailpipe.model;

import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * The one way a stage writes mail onto a topic, and reads it back: the message as value, the
 * envelope in its {@code mailpipe-envelope} header.
 */
public final class MailRecords {
    private MailRecords() {
    }

    /** For a messaging channel. */
    public static Message<byte[]> mail(String topic, String key, Envelope envelope, byte[] message) {
        var metadata = OutgoingKafkaRecordMetadata.<String>builder().withTopic(topic).withKey(key)
                .withHeaders(List.of(envelopeHeader(envelope)))
                .build();
        return Message.of(message).addMetadata(metadata);
    }

    /** For a plain Kafka producer (the ingress's hot path, tools and tests). */
    public static ProducerRecord<String, byte[]> record(String topic, String key, Envelope envelope, byte[] message) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, message);
        record.headers().add(envelopeHeader(envelope));
        return record;
    }

    /**
     * A channel's message (as {@link StageOutcomes} makes them) for a plain producer: its topic, key
     * and headers from its Kafka metadata. Used where one transaction of a plain producer carries
     * what the stages send through their channels (queue-manager).
     */
    @SuppressWarnings("unchecked")
    public static ProducerRecord<String, byte[]> record(Message<byte[]> message) {
        OutgoingKafkaRecordMetadata<String> meta = message.getMetadata(OutgoingKafkaRecordMetadata.class)
                .orElseThrow(() -> new IllegalArgumentException("a message without Kafka metadata has no topic"));
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(meta.getTopic(), meta.getKey(), message.getPayload());
        if (meta.getHeaders() != null) {
            meta.getHeaders().forEach(record.headers()::add);
        }
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
