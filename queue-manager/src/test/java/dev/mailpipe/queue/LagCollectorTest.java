package dev.mailpipe.queue;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mailpipe.kafka.LocalKafkaResource;
import dev.mailpipe.model.Topics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The lag collector against the real broker: a group that committed one partition of a topic
 * shows that partition's lag as the records written after its commit, the partitions it has not
 * committed -1 (kafka_exporter's rule), and the partition's end offset under its own name.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@Tag("service")
class LagCollectorTest {
    @Inject
    MeterRegistry registry;

    private static String bootstrap() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    private Double gauge(String name, String... tags) {
        Gauge g = registry.find(name).tags(tags).gauge();
        return g == null ? null : g.value();
    }

    @Test
    void aGroupsLagIsWhatWasWrittenPastItsCommitAndAnUncommittedPartitionIsMinusOne() throws Exception {
        String group = "lag-test-" + UUID.randomUUID();
        TopicPartition p0 = new TopicPartition(Topics.EVENTS, 0);
        long end;
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap()),
                new StringSerializer(), new ByteArraySerializer())) {
            end = p.send(new ProducerRecord<>(Topics.EVENTS, 0, "k", new byte[1])).get().offset() + 1;
            try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap()))) {
                admin.alterConsumerGroupOffsets(group, Map.of(p0, new OffsetAndMetadata(end))).all().get();
            }
            for (int i = 0; i < 3; i++) {
                p.send(new ProducerRecord<>(Topics.EVENTS, 0, "k", new byte[1])).get();
            }
        }
        long written = end + 3;
        await().atMost(Duration.ofSeconds(20)).until(() -> Double.valueOf(3).equals(
                gauge("kafka.consumergroup.lag", "consumergroup", group, "topic", Topics.EVENTS, "partition", "0")));
        assertEquals((double) end, gauge("kafka.consumergroup.current.offset", "consumergroup", group, "topic", Topics.EVENTS,
                "partition", "0"));
        assertEquals((double) written, gauge("kafka.topic.partition.current.offset", "topic", Topics.EVENTS, "partition", "0"));
        assertEquals(0.0, gauge("kafka.consumergroup.members", "consumergroup", group), "nobody reads as that group");
        Double other = gauge("kafka.consumergroup.lag", "consumergroup", group, "topic", Topics.EVENTS, "partition", "1");
        if (other != null) { // the topic has more than one partition here
            assertEquals(-1.0, other, "a partition the group has not committed");
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> gauge("kafka.consumergroup.members", "consumergroup",
                "queue-manager") != null && gauge("kafka.consumergroup.members", "consumergroup", "queue-manager") >= 1);
    }
}
