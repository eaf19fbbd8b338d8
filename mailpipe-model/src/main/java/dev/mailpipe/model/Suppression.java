package dev.mailpipe.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.util.Locale;

/**
 * An address the relay no longer sends to, as {@code mail.suppressed} holds it (keyed by the
 * lower-cased address; a tombstone lifts it): it bounced as {@code invalid-recipient}, with the
 * remote's own words, and stays suppressed until {@code until}.
 */
public record Suppression(String address, String status, String diagnostic, String remoteMta, Instant at, Instant until) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The topic's key for {@code address}. */
    public static String key(String address) {
        return address.toLowerCase(Locale.ROOT);
    }

    public boolean activeAt(Instant now) {
        return until.isAfter(now);
    }

    public byte[] toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("address", address);
        n.put("status", status);
        n.put("diagnostic", diagnostic);
        if (remoteMta != null) {
            n.put("remoteMta", remoteMta);
        }
        n.put("at", at.toString());
        n.put("until", until.toString());
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @throws IllegalArgumentException for a value that is not a suppression */
    public static Suppression fromJson(byte[] value) {
        try {
            JsonNode n = JSON.readTree(value);
            if (n == null || !n.path("address").isTextual() || !n.path("until").isTextual()) {
                throw new IllegalArgumentException("not a suppression entry");
            }
            return new Suppression(n.path("address").asText(), n.path("status").asText(""), n.path("diagnostic").asText(""),
                    n.path("remoteMta").asText(null), Instant.parse(n.path("at").asText(n.path("until").asText())),
                    Instant.parse(n.path("until").asText()));
        } catch (IOException | java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("not a suppression entry: " + e.getMessage(), e);
        }
    }
}
