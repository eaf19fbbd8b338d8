package dev.mailpipe.runtime;

import dev.mailpipe.model.DestinationAction;
import dev.mailpipe.model.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The live view of {@code mail.destinations}: the operator's suspensions and bounces of
 * destinations, which every relay replica follows, and queue-manager's API lists and changes.
 */
public final class DestinationActions implements AutoCloseable {
    private final CompactedMap<DestinationAction> entries;

    public DestinationActions(Map<String, Object> kafka) {
        this.entries = new CompactedMap<>(kafka, Topics.DESTINATIONS, "destination actions", DestinationAction::fromJson);
    }

    /** The action in force for mail to {@code domain} on {@code site}: the domain's own first, then its site's. */
    public Optional<DestinationAction> find(String domain, String site, Instant now) {
        for (String key : new String[] {domain, site}) {
            Optional<DestinationAction> a = key == null ? Optional.empty() : entries.get(DestinationAction.key(key));
            if (a.isPresent() && a.get().activeAt(now)) {
                return a;
            }
        }
        return Optional.empty();
    }

    public List<DestinationAction> active(Instant now) {
        return entries.values().stream().filter(a -> a.activeAt(now)).sorted(Comparator.comparing(DestinationAction::destination))
                .toList();
    }

    /** Held here at once, before the record written for it comes back through the topic. */
    public void note(DestinationAction a) {
        entries.put(DestinationAction.key(a.destination()), a);
    }

    public boolean awaitLoaded(Duration timeout) throws InterruptedException {
        return entries.awaitLoaded(timeout);
    }

    public static ProducerRecord<String, byte[]> record(DestinationAction a) {
        return new ProducerRecord<>(Topics.DESTINATIONS, DestinationAction.key(a.destination()), a.toJson());
    }

    /** The tombstone that resumes {@code destination}. */
    public static ProducerRecord<String, byte[]> resume(String destination) {
        return new ProducerRecord<>(Topics.DESTINATIONS, DestinationAction.key(destination), null);
    }

    @Override
    public void close() throws InterruptedException {
        entries.close();
    }
}
