package dev.mailpipe.ingress;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.ConfigProvider;

/** Reads what the ingress wrote to mail.inbound, from the start, without a consumer group. */
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
