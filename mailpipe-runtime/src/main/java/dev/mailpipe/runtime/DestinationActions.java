package dev.mailpipe.runtime;

import dev.mailpipe.model.DestinationAction;
import dev.mailpipe.model.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/**
 * The live view of {@code mail.destinations}: the operator's suspensions and bounces of
 * destinations, which every relay replica follows, and queue-manager's API lists and changes.
 */
public final class DestinationActions implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DestinationActions.class);

    private final Map<String, DestinationAction> entries = new ConcurrentHashMap<>();
    private final CompactedTopicView view;

    public DestinationActions(Map<String, Object> kafka) {
        this.view = new CompactedTopicView(kafka, Topics.DESTINATIONS, "destination-actions", this::apply,
                () -> LOG.infof("destination actions loaded: %d", entries.size()));
    }

    /** The action in force for mail to {@code domain} on {@code site}: the domain's own first, then its site's. */
    public Optional<DestinationAction> find(String domain, String site, Instant now) {
        for (String key : new String[] {domain, site}) {
            DestinationAction a = key == null ? null : entries.get(DestinationAction.key(key));
            if (a != null && a.activeAt(now)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    public List<DestinationAction> active(Instant now) {
        return entries.values().stream().filter(a -> a.activeAt(now)).sorted(Comparator.comparing(DestinationAction::destination))
                .toList();
    }

    public boolean awaitLoaded(Duration timeout) throws InterruptedException {
        return view.awaitCaughtUp(timeout);
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
        view.close();
    }

    private void apply(ConsumerRecord<String, byte[]> r) {
        if (r.value() == null) {
            entries.remove(r.key());
            return;
        }
        try {
            entries.put(r.key(), DestinationAction.fromJson(r.value()));
        } catch (IllegalArgumentException e) {
            LOG.warnf("ignoring destination action %s: %s", dev.mailpipe.model.PeerText.oneLine(r.key()), e.getMessage());
        }
    }
}
