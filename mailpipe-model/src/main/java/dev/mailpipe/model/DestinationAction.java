package dev.mailpipe.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.util.Locale;

/**
 * A word on one destination, as {@code mail.destinations} holds it (keyed by the lower-cased
 * destination; a tombstone resumes it): a recipient domain ({@code example.org}) or a site as
 * routing names it ({@code *.google.com}, or MX host names joined by commas). {@code SUSPEND}: its
 * mail waits in the retry tiers, no connection is made; {@code BOUNCE}: its mail is returned to the
 * senders with {@code reason}; {@code SLOW}: its rates times {@code factor}. Until {@code until}.
 * {@code by} says whose word it is: the operator's, or the site's own (the relay, on a reply a
 * throttle of its shaping file matched: {@code SUSPEND} or {@code SLOW}).
 */
public record DestinationAction(String destination, Kind kind, String reason, Instant at, Instant until, String by,
        double factor) {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String BY_OPERATOR = "operator";
    public static final String BY_SITE = "site";

    public enum Kind { SUSPEND, BOUNCE, SLOW }

    /** The operator's action. */
    public DestinationAction(String destination, Kind kind, String reason, Instant at, Instant until) {
        this(destination, kind, reason, at, until, BY_OPERATOR, 1);
    }

    /** Held back by its own word (a throttle), not by the operator. */
    public boolean bySite() {
        return BY_SITE.equals(by);
    }

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
        n.put("by", by);
        if (kind == Kind.SLOW) {
            n.put("factor", factor);
        }
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A factor outside (0, 1] would stop a site or speed it up: read as no slow-down. */
    private static double factor(double f) {
        return f > 0 && f <= 1 ? f : 1;
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
                    Instant.parse(n.path("at").asText(n.path("until").asText())), Instant.parse(n.path("until").asText()),
                    BY_SITE.equals(n.path("by").asText()) ? BY_SITE : BY_OPERATOR, factor(n.path("factor").asDouble(1)));
        } catch (IOException | java.time.format.DateTimeParseException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not a destination action: " + e.getMessage(), e);
        }
    }
}
