package dev.mailpipe.queue;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.MalformedEnvelopeException;
import dev.mailpipe.model.Route;
import dev.mailpipe.model.Topics;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/** When a deferred record is due, and where it goes when it is. */
final class DueRecords {
    private DueRecords() {
    }

    /** When a record may go again; an unreadable envelope is due now (its next stage dead-letters it). */
    static Instant dueAt(ConsumerRecord<String, byte[]> r) {
        try {
            return MailRecords.envelope(r).notBefore().orElse(Instant.EPOCH);
        } catch (MalformedEnvelopeException e) {
            return Instant.EPOCH;
        }
    }

    /**
     * Where a due record goes: back to the relay while its route is within its DNS lifetime, else
     * (or without a route: routing's and delivery's deferrals) to routing, keyed as that topic wants.
     */
    static ProducerRecord<String, byte[]> forward(ConsumerRecord<String, byte[]> r, Instant now) {
        String topic = Topics.RELAY;
        String key = r.key();
        try {
            Envelope e = MailRecords.envelope(r);
            Route route = e.route().orElse(null);
            if (route == null || route.expiresAt() != null && route.expiresAt().isBefore(now)) {
                topic = Topics.INBOUND;
                key = e.id();
            } else {
                key = route.site(); // the relay's key: the site's mail meets one replica
            }
        } catch (MalformedEnvelopeException ignored) {
            // Forwarded as it is: the relay's consumer dead-letters it with the reason.
        }
        return new ProducerRecord<>(topic, null, key, r.value(), r.headers());
    }

    /** The same record again at the end of its own tier partition: it keeps its place in the queue. */
    static ProducerRecord<String, byte[]> requeue(ConsumerRecord<String, byte[]> r) {
        return new ProducerRecord<>(r.topic(), r.partition(), r.key(), r.value(), r.headers());
    }
}
