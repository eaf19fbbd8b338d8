package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The mail producer's settings: the linger inside the publish timeout, as Kafka requires. */
@Tag("unit")
class InboundSettingsTest {
    private static final Map<String, Object> SHARED = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1",
            ProducerConfig.ACKS_CONFIG, "all", "group.id", "not-for-a-producer");

    @Test
    void lingersAsConfiguredAndStillAnswersWithinThePublishTimeout() {
        Map<String, Object> c = InboundPublisher.inboundSettings(SHARED, Duration.ofSeconds(10), Duration.ofMillis(2), 64L << 20);
        assertEquals(2, c.get(ProducerConfig.LINGER_MS_CONFIG));
        assertEquals(10_000, c.get(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG), "every send answered within the timeout");
        assertEquals("all", c.get(ProducerConfig.ACKS_CONFIG), "the shared settings carry over");
        assertTrue(!c.containsKey("group.id"), "only what a producer understands");
        assertCoversLingerAndRequest(c);
        new ProducerConfig(withSerializers(c));
    }

    @Test
    void aLingerAsLongAsTheTimeoutIsRefusedWithBothNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InboundPublisher.inboundSettings(SHARED, Duration.ofSeconds(3), Duration.ofSeconds(3), 64L << 20));
        assertTrue(e.getMessage().contains("publish-linger") && e.getMessage().contains("publish-timeout"), e.getMessage());
    }

    @Test
    void noLingerIsAllowed() {
        Map<String, Object> c = InboundPublisher.inboundSettings(SHARED, Duration.ofSeconds(3), Duration.ZERO, 64L << 20);
        assertEquals(0, c.get(ProducerConfig.LINGER_MS_CONFIG));
        assertCoversLingerAndRequest(c);
    }

    /** KafkaProducer refuses to start when delivery.timeout.ms is below linger.ms + request.timeout.ms. */
    private static void assertCoversLingerAndRequest(Map<String, Object> c) {
        int delivery = (Integer) c.get(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG);
        int linger = (Integer) c.get(ProducerConfig.LINGER_MS_CONFIG);
        int request = (Integer) c.get(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG);
        assertTrue(delivery >= linger + request, delivery + " < " + linger + " + " + request);
    }

    private static Map<String, Object> withSerializers(Map<String, Object> c) {
        Map<String, Object> all = new java.util.HashMap<>(c);
        all.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        all.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return all;
    }
}
