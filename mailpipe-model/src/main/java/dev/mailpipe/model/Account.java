package dev.mailpipe.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One entry of the mailbox registry, the compacted topic {@code mail.accounts}: the record key is
 * the address (a catch-all's key is {@code @domain}), the value this entry as JSON, and a null value
 * deletes it.
 */
public sealed interface Account {
    ObjectMapper JSON = new ObjectMapper();

    /** The record key under which this entry lives. */
    String key();

    /**
     * A mailbox. {@code passwordHash} (see {@link PasswordHash}) is null when the mailbox cannot
     * authenticate; {@code quotaBytes} 0 means no quota. {@code sendAs}: what its login may use as
     * sender besides its own address and the aliases that lead to it, each an address or a whole
     * domain as {@code @domain} (a service account's grant), lower case. {@code junkFolder}: spam the
     * content filter let through goes to the mailbox's Junk folder (else to its inbox).
     */
    record Mailbox(String address, String passwordHash, long quotaBytes, List<String> sendAs, boolean junkFolder)
            implements Account {
        public Mailbox {
            sendAs = sendAs == null ? List.of() : List.copyOf(sendAs);
        }

        public Mailbox(String address, String passwordHash, long quotaBytes, List<String> sendAs) {
            this(address, passwordHash, quotaBytes, sendAs, true);
        }

        public Mailbox(String address, String passwordHash, long quotaBytes) {
            this(address, passwordHash, quotaBytes, List.of());
        }

        public String key() {
            return address;
        }
    }

    /** Another address of one or more mailboxes (local or remote). */
    record Alias(String address, List<String> targets) implements Account {
        public Alias {
            targets = List.copyOf(targets);
        }

        public String key() {
            return address;
        }
    }

    /** Mail for unknown local parts of {@code domain} goes to {@code target}. */
    record CatchAll(String domain, String target) implements Account {
        public String key() {
            return "@" + domain;
        }
    }

    default byte[] toJson() {
        ObjectNode n = JSON.createObjectNode();
        if (this instanceof Mailbox m) {
            n.put("kind", "mailbox").put("address", m.address()).put("quotaBytes", m.quotaBytes());
            if (m.passwordHash() != null) {
                n.put("passwordHash", m.passwordHash());
            }
            if (!m.sendAs().isEmpty()) {
                m.sendAs().forEach(n.putArray("sendAs")::add);
            }
            if (!m.junkFolder()) {
                n.put("junkFolder", false); // absent, as every record before it, means true
            }
        } else if (this instanceof Alias a) {
            n.put("kind", "alias").put("address", a.address());
            a.targets().forEach(n.putArray("targets")::add);
        } else if (this instanceof CatchAll c) {
            n.put("kind", "catch-all").put("domain", c.domain()).put("target", c.target());
        }
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @throws IllegalArgumentException for a value no version of mailpipe wrote */
    static Account fromJson(byte[] value) {
        JsonNode n;
        try {
            n = JSON.readTree(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("account record is not JSON", e);
        }
        String kind = n.path("kind").asText();
        switch (kind) {
            case "mailbox":
                List<String> sendAs = new ArrayList<>();
                n.path("sendAs").forEach(t -> sendAs.add(t.asText()));
                return new Mailbox(n.path("address").asText(),
                        n.hasNonNull("passwordHash") ? n.get("passwordHash").asText() : null,
                        n.path("quotaBytes").asLong(0), sendAs, n.path("junkFolder").asBoolean(true));
            case "alias":
                List<String> targets = new ArrayList<>();
                n.path("targets").forEach(t -> targets.add(t.asText()));
                return new Alias(n.path("address").asText(), targets);
            case "catch-all":
                return new CatchAll(n.path("domain").asText(), n.path("target").asText());
            default:
                throw new IllegalArgumentException("unknown account kind '" + kind + "'");
        }
    }
}
