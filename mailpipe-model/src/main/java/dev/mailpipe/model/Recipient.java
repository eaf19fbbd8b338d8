package dev.mailpipe.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * One forward path of the envelope, with its RFC 3461 parameters. Like {@link Envelope} it keeps the
 * JSON it came from, so that fields added by other stages survive.
 */
public final class Recipient {
    private final ObjectNode node;

    Recipient(ObjectNode node) {
        this.node = node;
    }

    /** A recipient as given in RCPT TO; {@code orcpt} and {@code notify} may be null. */
    public static Recipient of(String address, String orcpt, String notify) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("address", address);
        if (orcpt != null) {
            n.put("orcpt", orcpt);
        }
        if (notify != null) {
            n.put("notify", notify);
        }
        return new Recipient(n);
    }

    public static Recipient of(String address) {
        return of(address, null, null);
    }

    public String address() {
        return node.path("address").asText();
    }

    public Optional<String> orcpt() {
        return text("orcpt");
    }

    /** RFC 3461 NOTIFY: {@code NEVER} or a comma list of SUCCESS, FAILURE, DELAY. */
    public Optional<String> notifyOn() {
        return text("notify");
    }

    /** This recipient under another address (after alias expansion), its parameters kept. */
    public Recipient withAddress(String address) {
        ObjectNode copy = node.deepCopy();
        copy.put("address", address);
        return new Recipient(copy);
    }

    /**
     * The local mailbox routing resolved this recipient to, on {@code mail.delivery}: one record
     * carries a message's every local copy, each recipient naming its mailbox. Absent elsewhere, and
     * in records written before it (then the record's key is the mailbox).
     */
    public Optional<String> mailbox() {
        return text("mailbox");
    }

    /** This recipient bound for a local mailbox; {@code null} removes the binding. */
    public Recipient withMailbox(String mailbox) {
        ObjectNode copy = node.deepCopy();
        if (mailbox == null) {
            copy.remove("mailbox");
        } else {
            copy.put("mailbox", mailbox);
        }
        return new Recipient(copy);
    }

    ObjectNode json() {
        return node;
    }

    private Optional<String> text(String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(v.asText());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Recipient r && r.node.equals(node);
    }

    @Override
    public int hashCode() {
        return node.hashCode();
    }

    @Override
    public String toString() {
        return address();
    }
}
