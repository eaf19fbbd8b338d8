package dev.mailpipe.model;

import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.eclipse.microprofile.reactive.messaging.Message;

/** The one way a stage writes mail onto a topic: the message as value, the envelope in its header. */
public final class MailRecords {
    private MailRecords() {
    }

    public static Message<byte[]> mail(String topic, String key, Envelope envelope, byte[] message) {
        var metadata = OutgoingKafkaRecordMetadata.<String>builder().withTopic(topic).withKey(key)
                .withHeaders(List.of(new RecordHeader(RecordHeaders.ENVELOPE, EnvelopeCodec.encode(envelope))))
                .build();
        return Message.of(message).addMetadata(metadata);
    }
}
