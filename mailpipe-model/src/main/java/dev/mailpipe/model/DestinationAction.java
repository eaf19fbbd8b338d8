package dev.mailpipe.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.util.Locale;

/**
 * An operator's word on one destination, as {@code mail.destinations} holds it (keyed by the
 * lower-cased destination; a tombstone resumes it): a recipient domain ({@code example.org}) or a
 * site as routing names it ({@code *.google.com}, or MX host names joined by commas). {@code
 * SUSPEND}: its mail waits in the retry tiers, no connection is made; {@code BOUNCE}: its mail is
 * returned to the senders with {@code reason}. Until {@code until}.
 */
public record DestinationAction(String destination, Kind kind, String reason, Instant at, Instant until) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public enum Kind { SUSPEND, BOUNCE }

    public static String key(String destination) {
        return destination.trim().toLowerCase(Locale.ROOT);
    }

    public boolean activeAt(Instant now) {
        return until.isAfter(now);
    }

    public byte[] toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("destination", destination);
        n.put("action", kind.name().toLowerCase(Locale.ROOT));
        n.put("reason", reason);
        n.put("at", at.toString());
        n.put("until", until.toString());
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @throws IllegalArgumentException for a value that is not an action */
    public static DestinationAction fromJson(byte[] value) {
        try {
            JsonNode n = JSON.readTree(value);
            if (n == null || !n.path("destination").isTextual() || !n.path("until").isTextual()) {
                throw new IllegalArgumentException("not a destination action");
            }
            return new DestinationAction(n.path("destination").asText(),
                    Kind.valueOf(n.path("action").asText("").toUpperCase(Locale.ROOT)), n.path("reason").asText(""),
                    Instant.parse(n.path("at").asText(n.path("until").asText())), Instant.parse(n.path("until").asText()));
        } catch (IOException | java.time.format.DateTimeParseException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not a destination action: " + e.getMessage(), e);
        }
    }
}
