package dev.mailpipe.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The SMTP envelope of one message as it travels in the {@code mailpipe-envelope} record header.
 *
 * <p>It is kept as the JSON tree it was read from, so that fields a stage does not know (added by a
 * newer stage) pass through unchanged, as the contract asks. Instances are immutable: every
 * {@code with...} method returns a copy.
 */
public final class Envelope {
    public static final int VERSION = 1;
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final ObjectNode node;
    /** Parsed once: every stage asks for it per record (file names, queue lifetime, logs). */
    private Instant receivedAt;

    Envelope(ObjectNode node) {
        this.node = node;
    }

    /** Field: why the last attempt was deferred (the remote's reply, or the local reason). */
    public static final String LAST_DEFERRAL = "lastDeferral";

    /** A new envelope as the ingress makes it, before any routing. */
    public static Envelope received(String id, Instant receivedAt, Client client, String mailFrom,
            List<Recipient> recipients, long size) {
        ObjectNode n = JSON.objectNode();
        n.put("v", VERSION);
        n.put("id", id);
        n.put("receivedAt", receivedAt.toString());
        n.set("client", client.toJson());
        n.put("mailFrom", mailFrom);
        n.set("rcptTo", toArray(recipients));
        n.put("size", size);
        n.put("attempt", 0);
        return new Envelope(n);
    }

    public String id() {
        return node.path("id").asText();
    }

    public Instant receivedAt() {
        if (receivedAt == null) {
            receivedAt = instant("receivedAt").orElse(Instant.EPOCH);
        }
        return receivedAt;
    }

    public Client client() {
        return Client.fromJson(node.path("client"));
    }

    /** The reverse path; {@code ""} for the null sender {@code <>}. */
    public String mailFrom() {
        return node.path("mailFrom").asText("");
    }

    public boolean hasNullSender() {
        return mailFrom().isEmpty();
    }

    public List<Recipient> recipients() {
        List<Recipient> out = new ArrayList<>();
        for (JsonNode r : node.path("rcptTo")) {
            if (r instanceof ObjectNode o) {
                out.add(new Recipient(o.deepCopy()));
            }
        }
        return out;
    }

    public long size() {
        return node.path("size").asLong();
    }

    /** The route the routing stage resolved, if it did. */
    public Optional<Route> route() {
        JsonNode r = node.get("route");
        return r == null || r.isNull() ? Optional.empty() : Optional.of(Route.fromJson(r));
    }

    /** How many delivery attempts were made so far. */
    public int attempt() {
        return node.path("attempt").asInt(0);
    }

    public Optional<Instant> firstAttemptAt() {
        return instant("firstAttemptAt");
    }

    /** Not to be tried again before this instant. */
    public Optional<Instant> notBefore() {
        return instant("notBefore");
    }

    /** The message's body type as MAIL FROM declared it (RFC 6152 BODY=); 7BIT when absent. */
    public BodyType body() {
        return text("body").map(BodyType::of).orElse(BodyType.SEVEN_BIT);
    }

    /** Whether the message needs SMTPUTF8 (RFC 6531) from every server it passes. */
    public boolean smtpUtf8() {
        return flag("smtputf8");
    }

    /** What a delivery status notification returns of the message (RFC 3461 RET=), if asked. */
    public Optional<Ret> ret() {
        return text("ret").map(Ret::of);
    }

    /** The sender's envelope identifier for its notifications (RFC 3461 ENVID=, xtext), if given. */
    public Optional<String> envid() {
        return text("envid");
    }

    /** Whether the sender has been told the message is delayed (one warning per message). */
    public boolean delayWarned() {
        return flag("delayWarned");
    }

    /** The ESMTP parameters of MAIL FROM that travel with the message. */
    public Envelope withMailParameters(BodyType body, boolean smtpUtf8, Ret ret, String envid) {
        ObjectNode copy = node.deepCopy();
        if (body != BodyType.SEVEN_BIT) {
            copy.put("body", body.keyword());
        }
        if (smtpUtf8) {
            copy.put("smtputf8", true);
        }
        if (ret != null) {
            copy.put("ret", ret.name());
        }
        if (envid != null) {
            copy.put("envid", envid);
        }
        return new Envelope(copy);
    }

    /**
     * Whether the message came from a sender this installation vouches for: an authenticated session
     * or a trusted network. Only such mail is DKIM-signed on its way out.
     */
    public boolean trustedOrigin() {
        return flag("trustedOrigin");
    }

    public Envelope withTrustedOrigin() {
        ObjectNode copy = node.deepCopy();
        copy.put("trustedOrigin", true);
        return new Envelope(copy);
    }

    /** SPF, DKIM and DMARC as the ingress found them ({@code spf=pass dkim=pass dmarc=pass}), if it checked. */
    public Optional<String> senderAuthentication() {
        return text("senderAuth");
    }

    public Envelope withSenderAuthentication(String results) {
        ObjectNode copy = node.deepCopy();
        copy.put("senderAuth", results);
        return new Envelope(copy);
    }

    /**
     * A content filter's verdict in short ({@code contentScan}), and whether the message is spam
     * that is delivered all the same, into the mailbox's Junk folder ({@code junk}).
     */
    public Envelope withContentScan(String summary, boolean junk) {
        ObjectNode copy = node.deepCopy();
        copy.put("contentScan", summary);
        if (junk) {
            copy.put("junk", true);
        }
        return new Envelope(copy);
    }

    /** Delivered into the Junk folder, with no content scan to say why (a DMARC quarantine). */
    public Envelope withJunk() {
        ObjectNode copy = node.deepCopy();
        copy.put("junk", true);
        return new Envelope(copy);
    }

    public Optional<String> contentScan() {
        return text("contentScan");
    }

    /** Spam delivered into the Junk folder. */
    public boolean junk() {
        return flag("junk");
    }

    public Envelope withDelayWarned() {
        ObjectNode copy = node.deepCopy();
        copy.put("delayWarned", true);
        return new Envelope(copy);
    }

    /** RFC 6152 and RFC 3030 BODY= values. */
    public enum BodyType {
        SEVEN_BIT("7BIT"), EIGHT_BIT_MIME("8BITMIME"), BINARY_MIME("BINARYMIME");

        private final String keyword;

        BodyType(String keyword) {
            this.keyword = keyword;
        }

        public String keyword() {
            return keyword;
        }

        /** The type a BODY= value names, in any case; empty for one this server does not know. */
        public static Optional<BodyType> parse(String keyword) {
            for (BodyType t : values()) {
                if (t.keyword.equalsIgnoreCase(keyword)) {
                    return Optional.of(t);
                }
            }
            return Optional.empty();
        }

        static BodyType of(String keyword) {
            return parse(keyword).orElseThrow(() -> new MalformedEnvelopeException("envelope body is not a BODY type: " + keyword));
        }
    }

    /** RFC 3461 RET= values: the full message or its headers only. */
    public enum Ret {
        FULL, HDRS;

        /** The value RET= names, in any case; empty for anything else. */
        public static Optional<Ret> parse(String value) {
            for (Ret r : values()) {
                if (r.name().equalsIgnoreCase(value)) {
                    return Optional.of(r);
                }
            }
            return Optional.empty();
        }

        static Ret of(String value) {
            return parse(value).orElseThrow(() -> new MalformedEnvelopeException("envelope ret is not FULL or HDRS: " + value));
        }
    }

    /** A string field this class has no accessor for, as it was received. */
    public Optional<String> text(String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(v.asText());
    }

    public Envelope withRecipients(List<Recipient> recipients) {
        ObjectNode copy = node.deepCopy();
        copy.set("rcptTo", toArray(recipients));
        return new Envelope(copy);
    }

    public Envelope withRoute(Route route) {
        ObjectNode copy = node.deepCopy();
        if (route == null) {
            copy.remove("route");
        } else {
            copy.set("route", route.toJson());
        }
        return new Envelope(copy);
    }

    /** The envelope after one more failed attempt, due again at {@code notBefore}. */
    public Envelope withAttempt(int attempt, Instant firstAttemptAt, Instant notBefore) {
        ObjectNode copy = node.deepCopy();
        copy.put("attempt", attempt);
        copy.put("firstAttemptAt", firstAttemptAt.toString());
        if (notBefore == null) {
            copy.remove("notBefore");
        } else {
            copy.put("notBefore", notBefore.toString());
        }
        return new Envelope(copy);
    }

    /** Sets a string field this class does not model (a stage's own addition). */
    public Envelope withText(String field, String value) {
        ObjectNode copy = node.deepCopy();
        copy.put(field, value);
        return new Envelope(copy);
    }

    /** A boolean field this class has no accessor for; false when absent. */
    public boolean flag(String field) {
        return node.path(field).asBoolean(false);
    }

    /** Sets a boolean field this class does not model. */
    public Envelope withFlag(String field, boolean value) {
        ObjectNode copy = node.deepCopy();
        copy.put(field, value);
        return new Envelope(copy);
    }

    ObjectNode json() {
        return node;
    }

    private Optional<Instant> instant(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull() || v.asText().isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(v.asText()));
        } catch (java.time.format.DateTimeParseException e) {
            throw new MalformedEnvelopeException("envelope field " + field + " is not an ISO-8601 instant");
        }
    }

    private static ArrayNode toArray(List<Recipient> recipients) {
        ArrayNode a = JSON.arrayNode();
        recipients.forEach(r -> a.add(r.json().deepCopy()));
        return a;
    }

    @Override
    public boolean equals(Object o) {
        // By the JSON text: a parsed 42 is an IntNode where a built one may be a LongNode.
        return o instanceof Envelope e && e.node.toString().equals(node.toString());
    }

    @Override
    public int hashCode() {
        return node.toString().hashCode();
    }

    @Override
    public String toString() {
        return node.toString();
    }

    /** Who handed the message to the ingress. */
    public record Client(String ip, String helo, boolean tls, String auth) {
        ObjectNode toJson() {
            ObjectNode c = JSON.objectNode();
            c.put("ip", ip);
            c.put("helo", helo);
            c.put("tls", tls);
            if (auth == null) {
                c.putNull("auth");
            } else {
                c.put("auth", auth);
            }
            return c;
        }

        static Client fromJson(JsonNode c) {
            JsonNode auth = c.path("auth");
            return new Client(c.path("ip").asText(""), c.path("helo").asText(""), c.path("tls").asBoolean(false),
                    auth.isTextual() ? auth.asText() : null);
        }
    }
}
