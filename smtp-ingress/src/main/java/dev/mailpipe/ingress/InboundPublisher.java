package dev.mailpipe.ingress;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.EnvelopeCodec;
import dev.mailpipe.model.RecordHeaders;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Hands an accepted message to {@code mail.inbound}: value the raw message, key the message id,
 * envelope in its header. The returned Uni completes only when the broker has acknowledged the
 * record with {@code acks=all}; that is the moment the ingress may say 250.
 */
@ApplicationScoped
public class InboundPublisher {

    @Inject
    @Channel("inbound")
    MutinyEmitter<byte[]> emitter;

    public Uni<Void> publish(Envelope envelope, byte[] message) {
        var metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(envelope.id())
                .withHeaders(java.util.List.of(new RecordHeader(RecordHeaders.ENVELOPE, EnvelopeCodec.encode(envelope))))
                .build();
        return Uni.createFrom().deferred(() -> emitter.sendMessage(Message.of(message).addMetadata(metadata)));
    }
}
