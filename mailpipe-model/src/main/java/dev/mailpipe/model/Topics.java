package dev.mailpipe.model;

import java.util.List;
import java.util.Map;

/**
 * The topics of the pipeline contract (shared/design/pipeline.md), with the settings each one is
 * created with. Every service may rename a topic through its channel configuration; these are the
 * defaults the local launcher and the deploy manifests create.
 */
public final class Topics {
    public static final String INBOUND = "mail.inbound";
    public static final String DELIVERY = "mail.delivery";
    public static final String RELAY = "mail.relay";
    public static final String RETRY_PREFIX = "mail.relay.retry.";
    public static final String EVENTS = "mail.events";
    public static final String DEAD_LETTER = "mail.dead-letter";
    public static final String ACCOUNTS = "mail.accounts";

    /** Retry tiers of the relay, in order; past the last one the last tier repeats. */
    public static final List<String> RETRY_TIERS = List.of("1m", "5m", "30m", "2h", "6h");

    /**
     * Room for the largest message the ingress accepts (25 MiB by default) plus its headers and the
     * envelope: topics, producers and consumers all take their byte limits from this one figure.
     */
    public static final int MAX_RECORD_BYTES = 27 * 1024 * 1024;

    private Topics() {
    }

    /** A topic to create: name, partitions and topic-level configs. */
    public record Spec(String name, int partitions, Map<String, String> configs) {
    }

    /** Every topic of the contract, each with {@code partitions} partitions (accounts: 1). */
    public static List<Spec> plan(int partitions) {
        Map<String, String> mail = Map.of("max.message.bytes", String.valueOf(MAX_RECORD_BYTES));
        var specs = new java.util.ArrayList<Spec>();
        for (String t : List.of(INBOUND, DELIVERY, RELAY)) {
            specs.add(new Spec(t, partitions, mail));
        }
        for (String tier : RETRY_TIERS) {
            specs.add(new Spec(RETRY_PREFIX + tier, partitions, mail));
        }
        specs.add(new Spec(EVENTS, partitions, Map.of()));
        specs.add(new Spec(DEAD_LETTER, 1, mail));
        specs.add(new Spec(ACCOUNTS, 1, Map.of("cleanup.policy", "compact")));
        return List.copyOf(specs);
    }
}
