package dev.mailpipe.runtime;

import dev.mailpipe.model.Suppression;
import dev.mailpipe.model.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The live view of {@code mail.suppressed}: the recipients the relay no longer sends to, shared by
 * every replica through the compacted topic. An entry written here counts at once in this replica
 * ({@link #note}), before its copy comes back from the topic.
 */
public final class SuppressionList implements AutoCloseable {
    private final CompactedMap<Suppression> entries;

    public SuppressionList(Map<String, Object> kafka) {
        this.entries = new CompactedMap<>(kafka, Topics.SUPPRESSED, "suppression list", Suppression::fromJson);
    }

    /** The suppression in force for {@code address} at {@code now}, if any. */
    public Optional<Suppression> of(String address, Instant now) {
        return entries.get(Suppression.key(address)).filter(s -> s.activeAt(now));
    }

    /** Every entry in force at {@code now}, by address. */
    public List<Suppression> active(Instant now) {
        return entries.values().stream().filter(s -> s.activeAt(now)).sorted(java.util.Comparator.comparing(Suppression::address))
                .toList();
    }

    public void note(Suppression s) {
        entries.put(Suppression.key(s.address()), s);
    }

    public boolean awaitLoaded(Duration timeout) throws InterruptedException {
        return entries.awaitLoaded(timeout);
    }

    /** The record that suppresses {@code s.address()} for every replica. */
    public static ProducerRecord<String, byte[]> record(Suppression s) {
        return new ProducerRecord<>(Topics.SUPPRESSED, Suppression.key(s.address()), s.toJson());
    }

    /** The tombstone that lifts {@code address}'s suppression. */
    public static ProducerRecord<String, byte[]> lift(String address) {
        return new ProducerRecord<>(Topics.SUPPRESSED, Suppression.key(address), null);
    }

    @Override
    public void close() throws InterruptedException {
        entries.close();
    }
}
