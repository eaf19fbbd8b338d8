package dev.mailpipe.queue;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.Recipient;
import java.util.Locale;

/**
 * What an operator asks of the queue, run by the queue manager's own thread between two polls (it
 * alone may touch the tiers' consumer and its transactions).
 */
sealed interface QueueCommand {
    /** Whether this command takes a waiting record: its destination (record key) and envelope. */
    boolean selects(String destination, Envelope envelope);

    /** Lists what waits; changes nothing. */
    record List() implements QueueCommand {
        @Override
        public boolean selects(String destination, Envelope envelope) {
            return false;
        }
    }

    /**
     * Makes deferred mail due now: all of it, or what waits for one destination (the record's key,
     * or any recipient in that domain).
     */
    record Flush(String domain) implements QueueCommand {
        @Override
        public boolean selects(String destination, Envelope envelope) {
            if (domain == null) {
                return true;
            }
            String d = domain.toLowerCase(Locale.ROOT);
            return destination != null && destination.toLowerCase(Locale.ROOT).equals(d)
                    || envelope.recipients().stream().map(Recipient::address)
                            .anyMatch(a -> a.toLowerCase(Locale.ROOT).endsWith("@" + d));
        }
    }

    /** Removes every record of one message (queue id) and bounces it to its sender. */
    record Drop(String queueId) implements QueueCommand {
        @Override
        public boolean selects(String destination, Envelope envelope) {
            return envelope.id().equals(queueId);
        }
    }
}
