package dev.mailpipe.relay;

import dev.mailpipe.model.DestinationAction;
import dev.mailpipe.runtime.DestinationActions;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What {@code mail.destinations} says of a message's destination before the relay connects: nothing,
 * or the entry that keeps the message from any connection (the operator's suspension or bounce, or a
 * site's suspension by its own word). It keeps the walker's pacing in step with the list: a site that
 * told another replica to slow down is paced here too, and a site this replica suspended on its word
 * is lifted once the operator's {@code destination resume} has removed the entry it published.
 */
final class DestinationHolds implements AutoCloseable {
    /** Time for a published entry to come back through the topic before its absence means the operator resumed the site. */
    private static final Duration PUBLISHED_SETTLES = Duration.ofSeconds(10);

    private final DestinationActions actions;
    private final MxWalker walker;
    /** When this replica published a site's suspension by its own word. */
    private final Map<String, Instant> published = new ConcurrentHashMap<>();

    DestinationHolds(DestinationActions actions, MxWalker walker) {
        this.actions = actions;
        this.walker = walker;
    }

    /** The entry in force that holds mail to {@code domain} on {@code site} (null when unknown), if any. */
    Optional<DestinationAction> holding(String domain, String site, Instant now) {
        Optional<DestinationAction> action = actions.find(domain, site, now);
        if (action.isPresent() && action.get().kind() == DestinationAction.Kind.SLOW) {
            // A slowed site still takes mail, at the pace it asked another replica for.
            walker.slowAsShared(action.get().destination(), action.get().factor(), action.get().until());
            return Optional.empty();
        }
        if (action.isEmpty() && site != null && resumedByOperator(site, now)) {
            walker.lift(site);
        }
        return action;
    }

    /** Whether {@code mail.destinations} has been read to where it ended at start, waiting up to {@code timeout}. */
    boolean awaitLoaded(Duration timeout) throws InterruptedException {
        return actions.awaitLoaded(timeout);
    }

    /** A site's own word as this replica publishes it: in force here at once, before its record comes back through the topic. */
    void publish(DestinationAction entry, Instant now) {
        actions.note(entry);
        if (entry.kind() == DestinationAction.Kind.SUSPEND) {
            published.put(entry.destination(), now);
        }
    }

    /**
     * Whether the operator resumed {@code site} while this replica holds it by its own word: the
     * entry this replica published has had time to come back, and is gone from the list.
     */
    private boolean resumedByOperator(String site, Instant now) {
        Instant at = published.get(site);
        if (at == null || !walker.suspendedByItsWord(site) || now.isBefore(at.plus(PUBLISHED_SETTLES))) {
            return false;
        }
        published.remove(site);
        return true;
    }

    @Override
    public void close() throws InterruptedException {
        actions.close();
    }
}
