package dev.mailpipe.delivery;

import dev.mailpipe.model.MailEvent;
import org.apache.kafka.clients.producer.ProducerRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.jboss.logging.Logger;

/**
 * What one batch writes besides its Maildir files, through the stage's producer: events, which
 * nobody waits for, and records that must be durable before the batch's offsets move (bounces,
 * quota deferrals, dead letters), which {@link #awaitDurable} waits for.
 */
final class DeliveryOutput {
    private static final Logger LOG = Logger.getLogger(DeliveryOutput.class);

    private final Producer<String, byte[]> producer;
    private final List<Future<RecordMetadata>> durable = new ArrayList<>();

    DeliveryOutput(Producer<String, byte[]> producer) {
        this.producer = producer;
    }

    void event(MailEvent event) {
        producer.send(event.toRecord(), (metadata, failure) -> {
            if (failure != null) {
                LOG.warnf("event %s of %s not recorded: %s", event.type(), event.messageId(), failure.toString());
            }
        });
    }

    void durable(List<ProducerRecord<String, byte[]>> records) {
        for (ProducerRecord<String, byte[]> r : records) {
            durable.add(producer.send(r));
        }
    }

    /** Returns once every durable record of the batch is acknowledged; throws if one was refused. */
    void awaitDurable() throws InterruptedException {
        if (durable.isEmpty()) {
            return;
        }
        producer.flush(); // the producer lingers for events; these are waited for
        try {
            for (Future<RecordMetadata> f : durable) {
                f.get();
            }
        } catch (ExecutionException e) {
            throw new KafkaException("a bounce, deferral or dead letter was not written", e.getCause());
        } finally {
            durable.clear();
        }
    }
}
