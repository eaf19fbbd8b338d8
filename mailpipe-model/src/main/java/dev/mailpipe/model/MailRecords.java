package dev.mailpipe.model;

import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.eclipse.microprofile.reactive.messaging.Message;

/** The one way a stage writes mail onto a topic: the message as value, the envelope in its header. */
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

    private static RecordHeader envelopeHeader(Envelope envelope) {
        return new RecordHeader(RecordHeaders.ENVELOPE, EnvelopeCodec.encode(envelope));
    }
}
