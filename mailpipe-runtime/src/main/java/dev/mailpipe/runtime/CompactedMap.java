package dev.mailpipe.runtime;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * A compacted topic as a map, kept current by a {@link CompactedTopicView}: the latest value per
 * key, parsed once; a tombstone removes it; a value that does not parse is logged and left out.
 * The suppression list and the operator's destination actions are such maps.
 */
public final class CompactedMap<V> implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(CompactedMap.class);

    private final Map<String, V> entries = new ConcurrentHashMap<>();
    private final String name;
    private final Function<byte[], V> parse;
    private final CompactedTopicView view;

    /** {@code parse} throws {@link IllegalArgumentException} for a value it cannot read. */
    public CompactedMap(Map<String, Object> kafka, String topic, String name, Function<byte[], V> parse) {
        this.name = name;
        this.parse = parse;
        this.view = new CompactedTopicView(kafka, topic, name, this::apply, () -> LOG.infof("%s loaded: %d", name, entries.size()));
    }

    public Optional<V> get(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    public Collection<V> values() {
        return entries.values();
    }

    /** A value this service wrote, in force here at once, before its copy comes back from the topic. */
    public void put(String key, V value) {
        entries.put(key, value);
    }

    public boolean awaitLoaded(Duration timeout) throws InterruptedException {
        return view.awaitCaughtUp(timeout);
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
            entries.put(r.key(), parse.apply(r.value()));
        } catch (IllegalArgumentException e) {
            LOG.warnf("%s: ignoring %s: %s", name, dev.mailpipe.model.PeerText.oneLine(r.key()), e.getMessage());
        }
    }
}
