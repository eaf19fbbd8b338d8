package dev.mailpipe.relay;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;

/**
 * Everything a delivery records (events, the next retry tier, a DSN, a dead letter) through the
 * relay's one producer. Each record names its own topic. The producer lingers, so the records of
 * deliveries that end about the same time share requests.
 */
final class RelayOutput {
    private final Producer<String, byte[]> producer;

    RelayOutput(Producer<String, byte[]> producer) {
        this.producer = producer;
    }

    /**
     * Completes once every record is acknowledged, or with the first refusal: a record's offset
     * may move only past what is durable. Completes on the producer's I/O thread.
     */
    CompletionStage<Void> durable(List<ProducerRecord<String, byte[]>> records) {
        if (records.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> all = new CompletableFuture<>();
        AtomicInteger unacknowledged = new AtomicInteger(records.size());
        for (ProducerRecord<String, byte[]> r : records) {
            try {
                producer.send(r, (metadata, failure) -> {
                    if (failure != null) {
                        all.completeExceptionally(failure);
                    } else if (unacknowledged.decrementAndGet() == 0) {
                        all.complete(null);
                    }
                });
            } catch (KafkaException | IllegalStateException e) {
                all.completeExceptionally(e); // closed, or a record too large: nothing after it is sent
                break;
            }
        }
        return all;
    }
}
