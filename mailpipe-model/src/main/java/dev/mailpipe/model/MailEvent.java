package dev.mailpipe.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetAddress;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One line of a message's history on {@code mail.events}, keyed by message id: what a stage
 * instance did to which recipient, when, and the facts of that step ({@code fields}: the client
 * of a received message, the route, the remote host and its reply, the Maildir file, the tier and
 * due time of a deferral). The schema is docs/pipeline.md's "Events".
 *
 * @param type what happened: received, routed, relayed, delivered, duplicate, deferred, bounced,
 *     dead-lettered, flushed, dropped
 * @param recipient the recipient it concerns, or null for the whole message
 * @param detail a human-readable reason or the remote's reply
 * @param instance the stage's instance (its host or pod name), so two replicas' lines tell apart
 */
public record MailEvent(String messageId, String stage, String type, String recipient, String detail, Instant at,
        String instance, Map<String, Object> fields) {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** A pod's name in Kubernetes, local-<k> under ./mailpipe up; else the machine's. */
    public static final String THIS_INSTANCE = instanceName();

    /** Every event type there is (docs/pipeline.md's "Events" lists these, and a test holds it to them). */
    public static final java.util.List<String> TYPES = java.util.List.of("received", "routed", "relayed", "delivered",
            "duplicate", "deferred", "bounced", "dead-lettered", "flushed", "dropped", "scanned", "filtered", "throttled");

    /** @throws IllegalArgumentException for a type not in {@link #TYPES}: the contract names them all */
    public static MailEvent of(String messageId, String stage, String type, String recipient, String detail) {
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("no such event type in the contract: " + type);
        }
        return new MailEvent(messageId, stage, type, recipient, detail, Instant.now(), THIS_INSTANCE, Map.of());
    }

    /** This event with one more fact (a string, number, boolean or collection of strings); null values are left out. */
    public MailEvent with(String field, Object value) {
        if (value == null) {
            return this;
        }
        Map<String, Object> more = new LinkedHashMap<>(fields);
        more.put(field, value);
        return new MailEvent(messageId, stage, type, recipient, detail, at, instance, more);
    }

    /** This event as a record for {@code mail.events}, keyed by message id. */
    public org.apache.kafka.clients.producer.ProducerRecord<String, byte[]> toRecord() {
        return new org.apache.kafka.clients.producer.ProducerRecord<>(Topics.EVENTS, messageId, toJson());
    }

    public byte[] toJson() {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("id", messageId);
        n.put("stage", stage);
        if (instance != null) {
            n.put("instance", instance);
        }
        n.put("type", type);
        if (recipient != null) {
            n.put("recipient", recipient);
        }
        if (detail != null) {
            n.put("detail", detail);
        }
        n.put("at", at.toString());
        fields.forEach((k, v) -> {
            if (v instanceof Boolean b) {
                n.put(k, b);
            } else if (v instanceof Long || v instanceof Integer) {
                n.put(k, ((Number) v).longValue());
            } else if (v instanceof Double d) {
                n.put(k, d);
            } else if (v instanceof Collection<?> c) {
                var list = n.putArray(k);
                c.forEach(x -> list.add(String.valueOf(x)));
            } else {
                n.put(k, String.valueOf(v));
            }
        });
        try {
            return MAPPER.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String instanceName() {
        String pod = System.getenv("HOSTNAME");
        if (pod != null && !pod.isBlank()) {
            return pod;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
