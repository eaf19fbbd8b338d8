package dev.mailpipe.delivery;

import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.Recipient;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;

/** Writes records the way routing does, and reads what delivery wrote, against the test broker. */
final class Topics4Test {
    private Topics4Test() {
    }

    static String bootstrap() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    static Envelope envelope(String id, String rcpt) {
        return Envelope.received(id, Instant.now(), new Envelope.Client("127.0.0.1", "t", false, null),
                "sender@y.test", List.of(Recipient.of(rcpt)), 10);
    }

    static void send(String topic, String key, Envelope envelope, String message) throws Exception {
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap()),
                new StringSerializer(), new ByteArraySerializer())) {
            byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
            p.send(envelope == null ? new ProducerRecord<>(topic, key, bytes) : MailRecords.record(topic, key, envelope, bytes)).get();
        }
    }

    static List<ConsumerRecord<String, byte[]>> read(String topic) {
        return dev.mailpipe.peers.TopicReader.readCommitted(bootstrap(), topic);
    }

    static String text(ConsumerRecord<String, byte[]> r) {
        return r.value() == null ? "" : new String(r.value(), StandardCharsets.UTF_8);
    }

    static String header(ConsumerRecord<String, byte[]> r, String name) {
        return dev.mailpipe.model.MailRecords.text(r.headers(), name).orElse(null);
    }
}
