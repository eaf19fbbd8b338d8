package dev.mailpipe.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mailpipe.kafka.KafkaBroker;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What KEDA decides for each ScaledObject of each overlay ({@link KedaKafkaScaler}), from a real
 * broker's offsets, against what the README promises: one replica when the pipeline is idle (also
 * after a stage has read transactional records and committed past their markers: no phantom lag),
 * one per {@code lagThreshold} of backlog, never more than the partitions that have lag nor the
 * topic's partitions.
 */
@Tag("service")
class KedaDecisionTest {
    private static KafkaBroker broker;
    private static Admin admin;

    @BeforeAll
    static void startBroker() throws Exception {
        Path dir = Files.createTempDirectory("keda-decision");
        broker = KafkaBroker.start(dir, freePort(), freePort(), 1);
        admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()));
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (admin != null) {
            admin.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void eachStageScalesAsTheReadmeSays(String overlay) throws Exception {
        Manifests m = Manifests.build(overlay);
        List<JsonNode> scaled = m.ofKind("ScaledObject");
        assertFalse(scaled.isEmpty());
        for (JsonNode so : scaled) {
            for (KedaKafkaScaler keda : KedaKafkaScaler.of(so)) {
                int partitions = partitionsOf(m, keda.topic());
                String stage = overlay + " " + Manifests.name(so) + " on " + keda.topic();
                boolean afterQueue = so.path("metadata").path("name").asText().equals("content-filter");
                assertEquals(afterQueue ? 64 : 1000, keda.lagThreshold(), stage + ": the README's lagThreshold");
                assertEquals(afterQueue ? 0 : 1, keda.minReplicas(), stage + ": one replica always ready, content-filter from 0");
                assertTrue(keda.maxReplicas() <= partitions, stage + ": at most the topic's partitions");
                // A topic and group of this test's own, shaped as the manifests say.
                String run = UUID.randomUUID().toString().substring(0, 8);
                KedaKafkaScaler here = new KedaKafkaScaler(keda.group() + "-" + run, keda.topic() + "-" + run, keda.lagThreshold(),
                        keda.activationLagThreshold(), keda.earliest(), keda.limitToPartitionsWithLag(), keda.allowIdleConsumers(),
                        keda.minReplicas(), keda.maxReplicas());
                admin.createTopics(List.of(new NewTopic(here.topic(), partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
                awaitServed(here.topic(), partitions);

                KedaKafkaScaler.Decision idle = here.decide(admin);
                assertEquals(new KedaKafkaScaler.Decision(0, false, keda.minReplicas()), idle, stage + " idle");

                // Half a threshold on one partition: one replica is enough.
                produce(here.topic(), Map.of(0, (int) keda.lagThreshold() / 2));
                assertEquals(1, here.decide(admin).replicas(), stage + " small backlog");
                assertTrue(here.decide(admin).active(), stage + " small backlog is active");

                // 1.5 thresholds over three partitions: two replicas.
                int half = (int) keda.lagThreshold() / 2;
                produce(here.topic(), Map.of(1, half, 2, half));
                assertEquals(2, here.decide(admin).replicas(), stage + " 1.5 thresholds");

                // Far more than the partitions can share: every partition, capped by maxReplicaCount.
                Map<Integer, Integer> big = new java.util.HashMap<>();
                for (int p = 0; p < partitions; p++) {
                    big.put(p, (int) keda.lagThreshold() * 3);
                }
                produce(here.topic(), big);
                KedaKafkaScaler.Decision backlog = here.decide(admin);
                assertEquals(Math.min(keda.maxReplicas(), partitions), backlog.replicas(), stage + " backlog: " + backlog);
                assertEquals(partitions * keda.lagThreshold(), backlog.lagMetric(), stage + " the metric is capped at the partitions");

                // The stage reads everything (read_committed, as mailpipe's stages do) and commits the
                // consumer's next offsets: past the transaction markers, lag 0 as KEDA counts it.
                drain(here.group(), here.topic());
                assertEquals(new KedaKafkaScaler.Decision(0, false, keda.minReplicas()), here.decide(admin), stage + " caught up");
            }
        }
    }

    /** A new topic's partitions are served once the broker answers for each of them: created is not yet ready. */
    private static void awaitServed(String topic, int partitions) throws Exception {
        Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> all = new java.util.HashMap<>();
        for (int p = 0; p < partitions; p++) {
            all.put(new org.apache.kafka.common.TopicPartition(topic, p), org.apache.kafka.clients.admin.OffsetSpec.latest());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                admin.listOffsets(all).all().get(10, TimeUnit.SECONDS);
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)
                        || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private static int partitionsOf(Manifests m, String topic) {
        for (JsonNode t : m.ofKind("KafkaTopic")) {
            if (topic.equals(t.path("spec").path("topicName").asText(t.path("metadata").path("name").asText()))) {
                return t.path("spec").path("partitions").asInt();
            }
        }
        throw new AssertionError(m.overlay + " has no KafkaTopic " + topic);
    }

    /** Records into partitions, in one transaction per call, as routing and the queue manager write. */
    private static void produce(String topic, Map<Integer, Integer> counts) {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(), ProducerConfig.TRANSACTIONAL_ID_CONFIG, "keda-test-" + UUID.randomUUID()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            p.initTransactions();
            p.beginTransaction();
            counts.forEach((partition, n) -> {
                for (int i = 0; i < n; i++) {
                    p.send(new ProducerRecord<>(topic, partition, null, new byte[16]));
                }
            });
            p.commitTransaction();
        }
    }

    private static void drain(String group, String topic) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG, group, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long quiet = 0;
            while (quiet < 3) {
                ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofSeconds(1));
                quiet = records.isEmpty() ? quiet + 1 : 0;
                if (!records.nextOffsets().isEmpty()) {
                    c.commitSync(records.nextOffsets());
                }
            }
        }
    }
}
