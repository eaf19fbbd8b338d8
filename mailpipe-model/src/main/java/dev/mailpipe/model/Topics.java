package dev.mailpipe.model;

import java.util.List;
import java.util.Map;

/**
 * The topics of the pipeline contract, with the settings each one is created with. Every record
 * names its topic from these constants, so they are the names, not defaults.
 */
public final class Topics {
    public static final String INBOUND = "mail.inbound";
    /** Mail the ingress accepted for a content scan after the queue (content-filter), before it goes on to {@link #INBOUND}. */
    public static final String SCAN = "mail.scan";
    /**
     * The pipeline's own mail: delivery status notifications and delay warnings from every stage.
     * They enter here, not at {@link #INBOUND}, so a storm of bounces never queues before user mail,
     * and its lag is watched (and its routing scaled) apart.
     */
    public static final String NOTICES = "mail.notices";
    public static final String DELIVERY = "mail.delivery";
    public static final String RELAY = "mail.relay";
    /** The retry tiers: {@code mail.retry.1} to {@code mail.retry.<RETRY_TIER_COUNT>}, owned by queue-manager. */
    public static final String RETRY_PREFIX = "mail.retry.";
    public static final String EVENTS = "mail.events";
    public static final String DEAD_LETTER = "mail.dead-letter";
    public static final String ACCOUNTS = "mail.accounts";
    /** Recipients the relay no longer sends to (compacted, keyed by address): {@link Suppression}. */
    public static final String SUPPRESSED = "mail.suppressed";
    /** The operator's suspensions and bounces of destinations (compacted, keyed by destination): {@link DestinationAction}. */
    public static final String DESTINATIONS = "mail.destinations";

    /**
     * The retry tiers' names, in order: tier n holds the n-th failed attempt, past the last one the
     * last tier repeats. Named by position, not by delay: the delays are configuration
     * ({@code mailpipe.retry.delays}), a topic's name is not.
     */
    public static final List<String> RETRY_TIERS = List.of("1", "2", "3", "4", "5");

    /** The largest message the ingress accepts by default (its SIZE, RFC 1870): 25 MiB. */
    public static final int MAX_MESSAGE_BYTES = 25 * 1024 * 1024;

    /** {@link #MAX_MESSAGE_BYTES} as a configuration default. */
    public static final String MAX_MESSAGE_BYTES_DEFAULT = "" + MAX_MESSAGE_BYTES;

    /**
     * Room for the largest message plus its trace headers and the envelope (2 MiB more): topics,
     * producers and consumers all take their byte limits from this one figure
     * (the runtime's RecordSizeConfigSource gives it to the Kafka clients).
     */
    public static final int MAX_RECORD_BYTES = MAX_MESSAGE_BYTES + 2 * 1024 * 1024;

    private Topics() {
    }

    /** A topic to create: name, partitions and topic-level configs. */
    public record Spec(String name, int partitions, Map<String, String> configs) {
    }

    /** Every topic of the contract, each with {@code partitions} partitions (accounts: 1). */
    public static List<Spec> plan(int partitions) {
        Map<String, String> mail = Map.of("max.message.bytes", String.valueOf(MAX_RECORD_BYTES));
        var specs = new java.util.ArrayList<Spec>();
        for (String t : List.of(INBOUND, SCAN, NOTICES, DELIVERY, RELAY)) {
            specs.add(new Spec(t, partitions, mail));
        }
        for (String tier : RETRY_TIERS) {
            specs.add(new Spec(RETRY_PREFIX + tier, partitions, mail));
        }
        specs.add(new Spec(EVENTS, partitions, Map.of()));
        specs.add(new Spec(DEAD_LETTER, 1, mail));
        specs.add(new Spec(ACCOUNTS, 1, Map.of("cleanup.policy", "compact")));
        specs.add(new Spec(SUPPRESSED, 1, Map.of("cleanup.policy", "compact")));
        specs.add(new Spec(DESTINATIONS, 1, Map.of("cleanup.policy", "compact")));
        return List.copyOf(specs);
    }
}
