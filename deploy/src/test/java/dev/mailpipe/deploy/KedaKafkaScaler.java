package dev.mailpipe.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * What KEDA's Kafka scaler (pkg/scalers/kafka_scaler.go, KEDA 2.x) and the HPA it drives decide for
 * one ScaledObject, from a broker's offsets as the scaler reads them: per partition the end offset
 * minus the group's committed offset (without a commit, the end offset under
 * {@code offsetResetPolicy: earliest}); the total capped at {@code lagThreshold} times the
 * partitions (with {@code limitToPartitionsWithLag}, the partitions that have lag); active above
 * {@code activationLagThreshold}; then the HPA's {@code ceil(total / lagThreshold)} within the
 * ScaledObject's replica bounds.
 */
record KedaKafkaScaler(String group, String topic, long lagThreshold, long activationLagThreshold, boolean earliest,
        boolean limitToPartitionsWithLag, boolean allowIdleConsumers, int minReplicas, int maxReplicas) {

    /** One scaler per trigger of the ScaledObject; the HPA takes the largest replica count of them. */
    static List<KedaKafkaScaler> of(JsonNode scaledObject) {
        List<KedaKafkaScaler> all = new java.util.ArrayList<>();
        for (int i = 0; i < scaledObject.path("spec").path("triggers").size(); i++) {
            all.add(of(scaledObject, i));
        }
        return all;
    }

    static KedaKafkaScaler of(JsonNode scaledObject, int trigger) {
        JsonNode spec = scaledObject.path("spec");
        JsonNode md = spec.path("triggers").get(trigger).path("metadata");
        return new KedaKafkaScaler(md.path("consumerGroup").asText(), md.path("topic").asText(),
                Long.parseLong(md.path("lagThreshold").asText("10")), Long.parseLong(md.path("activationLagThreshold").asText("0")),
                !"latest".equals(md.path("offsetResetPolicy").asText("latest")),
                Boolean.parseBoolean(md.path("limitToPartitionsWithLag").asText("false")),
                Boolean.parseBoolean(md.path("allowIdleConsumers").asText("false")),
                spec.path("minReplicaCount").asInt(0), spec.path("maxReplicaCount").asInt(100));
    }

    /** The scaler's metric and activity, then the replica count KEDA and the HPA set. */
    record Decision(long lagMetric, boolean active, int replicas) {
    }

    Decision decide(Admin admin) throws Exception {
        List<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                .get(topic).partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        var ends = admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                .get(30, TimeUnit.SECONDS);
        long total = 0;
        long withLag = 0;
        for (TopicPartition tp : partitions) {
            long end = ends.get(tp).offset();
            OffsetAndMetadata c = committed.get(tp);
            long lag = c == null ? (earliest ? end : 1) : end - c.offset();
            total += lag;
            if (lag > 0) {
                withLag++;
            }
        }
        boolean active = total > activationLagThreshold;
        if (!allowIdleConsumers || limitToPartitionsWithLag) {
            long upperBound = limitToPartitionsWithLag ? withLag : partitions.size();
            if (total / lagThreshold > upperBound) {
                total = upperBound * lagThreshold;
            }
        }
        int desired = (int) Math.ceil((double) total / lagThreshold);
        int replicas = !active && minReplicas == 0 ? 0 : Math.max(minReplicas, Math.min(maxReplicas, Math.max(1, desired)));
        return new Decision(total, active, replicas);
    }
}
