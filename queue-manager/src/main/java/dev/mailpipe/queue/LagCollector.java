package dev.mailpipe.queue;

import dev.mailpipe.runtime.KafkaClients;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * mailpipe's own lag collector: every {@code lag-collector.interval} it reads every group's
 * committed offsets and every partition's end offset through the admin client and publishes them
 * as kafka_exporter does ({@code kafka_consumergroup_lag}, {@code kafka_consumergroup_current_offset},
 * {@code kafka_consumergroup_members}, {@code kafka_topic_partition_current_offset}), so the
 * dashboard and the alerts work without an exporter. It runs in the queue manager, which is never
 * scaled by lag; where Strimzi's exporter runs ({@code deploy/}) it is off.
 */
@ApplicationScoped
public class LagCollector {
    private static final Logger LOG = Logger.getLogger(LagCollector.class);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    private final QueueConfig config;
    private final MultiGauge lag;
    private final MultiGauge current;
    private final MultiGauge members;
    private final MultiGauge ends;
    private ScheduledExecutorService timer;
    private Admin admin;
    /** The last two readings, for the console (its lags, and rates from their difference). */
    private volatile Reading reading = Reading.NONE;

    /** The collector's last two readings, and when they were taken: what the console shows. */
    record Reading(LagSnapshot now, long nowAt, LagSnapshot before, long beforeAt) {
        static final Reading NONE = new Reading(new LagSnapshot(List.of(), Map.of(), Map.of(), Map.of()), 0, null, 0);

        int members(String group) {
            return now.members().getOrDefault(group, 0);
        }

        /**
         * The group's lag on the topic, in offsets: from its commit, or from the partition's
         * oldest offset where it has none (a tier the queue manager holds, unreleased, from the start).
         */
        long lag(String group, String topic) {
            Map<TopicPartition, Long> committed = new HashMap<>();
            for (LagSnapshot.GroupPartition r : now.lags()) {
                if (r.group().equals(group) && r.committed() >= 0) {
                    committed.put(r.partition(), r.committed());
                }
            }
            long sum = 0;
            for (Map.Entry<TopicPartition, Long> end : now.ends().entrySet()) {
                if (end.getKey().topic().equals(topic)) {
                    long from = committed.getOrDefault(end.getKey(), now.starts().getOrDefault(end.getKey(), end.getValue()));
                    sum += Math.max(0, end.getValue() - from);
                }
            }
            return sum;
        }

        /** Records a second the group committed on the topic between the two readings (0 with one reading). */
        double perSecond(String group, String topic) {
            if (before == null || nowAt <= beforeAt) {
                return 0;
            }
            long moved = committed(now, group, topic) - committed(before, group, topic);
            return Math.max(0, moved) * 1000.0 / (nowAt - beforeAt);
        }

        private static long committed(LagSnapshot s, String group, String topic) {
            return s.lags().stream().filter(r -> r.group().equals(group) && r.partition().topic().equals(topic) && r.committed() >= 0)
                    .mapToLong(LagSnapshot.GroupPartition::committed).sum();
        }
    }

    LagCollector(QueueConfig config, MeterRegistry registry) {
        this.config = config;
        this.lag = MultiGauge.builder("kafka.consumergroup.lag").description("Current approximate lag of a group at a partition")
                .register(registry);
        this.current = MultiGauge.builder("kafka.consumergroup.current.offset").description("The group's committed offset")
                .register(registry);
        this.members = MultiGauge.builder("kafka.consumergroup.members").description("Members of the group").register(registry);
        this.ends = MultiGauge.builder("kafka.topic.partition.current.offset").description("The partition's end offset")
                .register(registry);
    }

    void start(@Observes StartupEvent event) {
        if (!config.lagCollector().enabled()) {
            return;
        }
        admin = Admin.create(KafkaClients.admin(kafka));
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lag-collector");
            t.setDaemon(true);
            return t;
        });
        long every = config.lagCollector().interval().toMillis();
        timer.scheduleWithFixedDelay(this::collectQuietly, 0, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
        synchronized (this) {
            if (admin != null) {
                admin.close(java.time.Duration.ofSeconds(5));
            }
        }
    }

    /**
     * The last two readings. Where the collector is off (Strimzi's exporter publishes the figures),
     * the console's request reads, at most once an interval.
     */
    Reading reading() throws Exception {
        if (config.lagCollector().enabled()) {
            return reading;
        }
        synchronized (this) {
            if (System.currentTimeMillis() - reading.nowAt() >= config.lagCollector().interval().toMillis()) {
                if (admin == null) {
                    admin = Admin.create(KafkaClients.admin(kafka));
                }
                remember(read());
            }
            return reading;
        }
    }

    private void remember(LagSnapshot s) {
        Reading last = reading;
        reading = new Reading(s, System.currentTimeMillis(), last == Reading.NONE ? null : last.now(), last.nowAt());
    }

    private void collectQuietly() {
        try {
            LagSnapshot s = read();
            publish(s);
            remember(s);
        } catch (Exception e) {
            // The broker away for a moment: the last figures stay until the next reading.
            LOG.debugf("lag collector: %s", e.toString());
        }
    }

    /** One reading, through the admin client. */
    LagSnapshot read() throws Exception {
        long timeout = config.lagCollector().interval().toMillis();
        List<String> groups = admin.listConsumerGroups().all().get(timeout, TimeUnit.MILLISECONDS).stream()
                .map(ConsumerGroupListing::groupId).toList();
        Map<String, Map<TopicPartition, Long>> committed = new HashMap<>();
        for (String g : groups) {
            Map<TopicPartition, Long> offsets = new HashMap<>();
            Map<TopicPartition, OffsetAndMetadata> got = admin.listConsumerGroupOffsets(g).partitionsToOffsetAndMetadata()
                    .get(timeout, TimeUnit.MILLISECONDS);
            got.forEach((tp, o) -> {
                if (o != null) {
                    offsets.put(tp, o.offset());
                }
            });
            committed.put(g, offsets);
        }
        Map<String, Integer> memberCounts = new HashMap<>();
        if (!groups.isEmpty()) {
            Map<String, ConsumerGroupDescription> described = admin.describeConsumerGroups(groups).all()
                    .get(timeout, TimeUnit.MILLISECONDS);
            described.forEach((g, d) -> memberCounts.put(g, d.members().size()));
        }
        Map<String, TopicDescription> topics = admin.describeTopics(admin.listTopics().names().get(timeout, TimeUnit.MILLISECONDS))
                .allTopicNames().get(timeout, TimeUnit.MILLISECONDS);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        topics.values().forEach(t -> t.partitions().forEach(p -> latest.put(new TopicPartition(t.name(), p.partition()),
                OffsetSpec.latest())));
        Map<TopicPartition, Long> endOffsets = new HashMap<>();
        for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e : admin.listOffsets(latest).all()
                .get(timeout, TimeUnit.MILLISECONDS).entrySet()) {
            endOffsets.put(e.getKey(), e.getValue().offset());
        }
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        latest.keySet().forEach(tp -> earliest.put(tp, OffsetSpec.earliest()));
        Map<TopicPartition, Long> startOffsets = new HashMap<>();
        admin.listOffsets(earliest).all().get(timeout, TimeUnit.MILLISECONDS).forEach((tp, o) -> startOffsets.put(tp, o.offset()));
        return LagSnapshot.of(committed, memberCounts, endOffsets).withStarts(startOffsets);
    }

    private void publish(LagSnapshot s) {
        lag.register(s.lags().stream().map(r -> MultiGauge.Row.of(groupTags(r), r.lag())).toList(), true);
        current.register(s.lags().stream().map(r -> MultiGauge.Row.of(groupTags(r), r.committed())).toList(), true);
        members.register(s.members().entrySet().stream().map(e -> MultiGauge.Row.of(Tags.of("consumergroup", e.getKey()),
                e.getValue())).toList(), true);
        ends.register(s.ends().entrySet().stream().map(e -> MultiGauge.Row.of(Tags.of("topic", e.getKey().topic(),
                "partition", String.valueOf(e.getKey().partition())), e.getValue())).toList(), true);
    }

    private static Tags groupTags(LagSnapshot.GroupPartition r) {
        return Tags.of("consumergroup", r.group(), "topic", r.partition().topic(), "partition",
                String.valueOf(r.partition().partition()));
    }
}
