package dev.mailpipe.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * One line of a message's history on {@code mail.events}, keyed by message id.
 *
 * @param type what happened: received, routed, delivered, sent, deferred, bounced, rejected, dead-lettered
 * @param recipient the recipient it concerns, or null for the whole message
 * @param detail a human-readable reason or the remote's reply
 */
public record MailEvent(String messageId, String stage, String type, String recipient, String detail, Instant at) {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    public static MailEvent of(String messageId, String stage, String type, String recipient, String detail) {
        return new MailEvent(messageId, stage, type, recipient, detail, Instant.now());
    }

    /** This event as a record for {@code mail.events}, keyed by message id. */
    public org.eclipse.microprofile.reactive.messaging.Message<byte[]> toMessage() {
        var metadata = io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic(Topics.EVENTS).withKey(messageId).build();
        return org.eclipse.microprofile.reactive.messaging.Message.of(toJson()).addMetadata(metadata);
    }

    public byte[] toJson() {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("id", messageId);
        n.put("stage", stage);
        n.put("type", type);
        if (recipient != null) {
            n.put("recipient", recipient);
        }
        if (detail != null) {
            n.put("detail", detail);
        }
        n.put("at", at.toString());
        try {
            return MAPPER.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
