package dev.mailpipe.ingress;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.Topics;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;

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
        return Uni.createFrom().deferred(() -> emitter.sendMessage(
                MailRecords.mail(Topics.INBOUND, envelope.id(), envelope, message)));
    }
}
