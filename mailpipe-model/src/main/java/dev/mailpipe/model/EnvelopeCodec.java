package dev.mailpipe.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/** Reads and writes the {@code mailpipe-envelope} header: UTF-8 JSON, version 1. */
public final class EnvelopeCodec {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private EnvelopeCodec() {
    }

    public static byte[] encode(Envelope envelope) {
        try {
            return MAPPER.writeValueAsBytes(envelope.json());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    /**
     * Parses a header value.
     *
     * @throws MalformedEnvelopeException when the header is absent, not JSON, of another version, or
     *     lacks the fields every stage relies on (id, mailFrom, at least one recipient)
     */
    public static Envelope decode(byte[] header) {
        if (header == null) {
            throw new MalformedEnvelopeException("record has no " + RecordHeaders.ENVELOPE + " header");
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(header);
        } catch (IOException e) {
            throw new MalformedEnvelopeException("envelope is not JSON: " + e.getMessage(), e);
        }
        if (!(tree instanceof ObjectNode node)) {
            throw new MalformedEnvelopeException("envelope is not a JSON object");
        }
        if (node.path("v").asInt(-1) != Envelope.VERSION) {
            throw new MalformedEnvelopeException("unsupported envelope version " + node.path("v"));
        }
        if (!node.path("id").isTextual() || node.path("id").asText().isBlank()) {
            throw new MalformedEnvelopeException("envelope has no id");
        }
        if (!node.path("mailFrom").isTextual()) {
            throw new MalformedEnvelopeException("envelope has no mailFrom");
        }
        JsonNode rcpt = node.path("rcptTo");
        if (!rcpt.isArray() || rcpt.isEmpty()) {
            throw new MalformedEnvelopeException("envelope has no recipients");
        }
        for (JsonNode r : rcpt) {
            if (!r.path("address").isTextual() || r.path("address").asText().isEmpty()) {
                throw new MalformedEnvelopeException("envelope recipient without address");
            }
        }
        Envelope envelope = new Envelope(node);
        // Surface bad timestamps and parameter values now rather than deep inside a stage.
        envelope.receivedAt();
        envelope.firstAttemptAt();
        envelope.notBefore();
        envelope.body();
        envelope.ret();
        return envelope;
    }
}
