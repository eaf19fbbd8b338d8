package dev.mailpipe.ingress;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.ConfigProvider;

/** Reads what the ingress wrote to mail.inbound, from the start, with a throwaway consumer group. */
final class InboundTopic {
    private InboundTopic() {
    }

    static List<ConsumerRecord<String, byte[]>> all() {
        String bootstrap = ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
        return dev.mailpipe.peers.TopicReader.readCommitted(bootstrap, "mail.inbound");
    }

    /** Records whose message text contains {@code marker}. */
    static List<ConsumerRecord<String, byte[]>> containing(String marker) {
        return all().stream().filter(r -> new String(r.value(), StandardCharsets.UTF_8).contains(marker)).toList();
    }
}
