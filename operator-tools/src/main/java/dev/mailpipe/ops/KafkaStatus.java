package dev.mailpipe.ops;

import dev.mailpipe.model.Bytes;
import dev.mailpipe.model.DestinationAction;
import dev.mailpipe.model.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/**
 * Reads a {@link StatusReport} from the broker with the admin client and a group-less consumer: it
 * joins no group and commits nothing, so looking never moves anyone's offsets.
 */
public final class KafkaStatus implements AutoCloseable {
    /** The consuming stages in pipeline order: service, its group, its input topic. */
    static final List<String[]> STAGES = List.of(new String[] {"content-filter", "content-filter", Topics.SCAN},
            new String[] {"routing-service", "routing-service", Topics.INBOUND},
            new String[] {"routing-notices", "routing-notices", Topics.NOTICES},
            new String[] {"relay-service", "relay-service", Topics.RELAY},
            new String[] {"delivery-service", "delivery-service", Topics.DELIVERY});
    static final String RETRY_GROUP = "queue-manager";
    /**
     * Up to this many offsets behind, a partition's lag is counted record by record: offsets also
     * number the markers of routing's transactions, so a caught-up stage would otherwise show a
     * lag of 1. Past it, the offset difference is near enough.
     */
    private static final long COUNTED_LAG = 10_000;
    /** Past this many events the minute's delivered count is given as "at least". */
    private static final int MAX_EVENTS_READ = 500_000;

    private final Admin admin;
    private final KafkaConsumer<byte[], byte[]> reader;

    public KafkaStatus(String bootstrap) {
        admin = OpsClients.admin(bootstrap);
        reader = OpsClients.reader(bootstrap, null);
    }

    public StatusReport read() throws ExecutionException, InterruptedException {
        long now = System.currentTimeMillis();
        List<StatusReport.Stage> stages = new ArrayList<>();
        for (String[] s : STAGES) {
            if (s[2].equals(Topics.SCAN) && unused(s[1], s[2])) {
                continue; // the scan after the queue, not in use here: nothing to show
            }
            stages.add(stage(s[0], s[1], s[2]));
        }
        List<StatusReport.Tier> tiers = new ArrayList<>();
        Map<TopicPartition, OffsetAndMetadata> retryCommitted = committed(RETRY_GROUP);
        for (String tier : Topics.RETRY_TIERS) {
            tiers.add(tier(Topics.RETRY_PREFIX + tier, retryCommitted, now));
        }
        int retryMembers = describe(RETRY_GROUP).map(d -> d.members().size()).orElse(0);
        List<TopicPartition> dead = partitions(Topics.DEAD_LETTER);
        long deadLetters = sum(offsets(dead, OffsetSpec.latest())) - sum(offsets(dead, OffsetSpec.earliest()));
        return new StatusReport(now, stages, tiers, retryMembers, deadLetters, held(now), lastMinute(now));
    }

    /**
     * What {@code mail.destinations} holds in force now: the operator's suspensions and bounces, and
     * the sites a relay holds back on their own word. A compacted topic of one partition, read whole.
     */
    private List<DestinationAction> held(long now) throws ExecutionException, InterruptedException {
        List<TopicPartition> partitions = partitions(Topics.DESTINATIONS);
        Map<TopicPartition, Long> end = offsets(partitions, OffsetSpec.latest());
        Map<TopicPartition, Long> start = offsets(partitions, OffsetSpec.earliest());
        Map<String, DestinationAction> latest = new java.util.TreeMap<>();
        reader.assign(partitions);
        partitions.forEach(tp -> reader.seek(tp, start.get(tp)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline && partitions.stream().anyMatch(tp -> reader.position(tp) < end.get(tp))) {
            for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(200))) {
                String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
                if (r.value() == null) {
                    latest.remove(key);
                    continue;
                }
                try {
                    latest.put(key, DestinationAction.fromJson(r.value()));
                } catch (IllegalArgumentException notAnAction) {
                    latest.remove(key);
                }
            }
        }
        java.time.Instant at = java.time.Instant.ofEpochMilli(now);
        return latest.values().stream().filter(a -> a.activeAt(at)).toList();
    }

    /** A stage that has never had input and has no member running. */
    private boolean unused(String group, String topic) throws ExecutionException, InterruptedException {
        List<TopicPartition> partitions = partitions(topic);
        return describe(group).map(d -> d.members().isEmpty()).orElse(true) && sum(offsets(partitions, OffsetSpec.latest())) == 0;
    }

    private StatusReport.Stage stage(String name, String group, String topic) throws ExecutionException, InterruptedException {
        List<TopicPartition> partitions = partitions(topic);
        Map<TopicPartition, Long> end = offsets(partitions, OffsetSpec.latest());
        Map<TopicPartition, Long> start = offsets(partitions, OffsetSpec.earliest());
        Map<TopicPartition, OffsetAndMetadata> committed = committed(group);
        List<Long> lag = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata c = committed.get(tp);
            long from = c == null ? start.get(tp) : c.offset();
            long behind = Math.max(0, end.get(tp) - from);
            lag.add(behind > 0 && behind <= COUNTED_LAG ? recordsBetween(tp, from, end.get(tp)) : behind);
        }
        var description = describe(group);
        return new StatusReport.Stage(name, group, description.map(d -> d.groupState().toString().toLowerCase()).orElse("none"),
                description.map(d -> d.members().size()).orElse(0), topic, lag);
    }

    private StatusReport.Tier tier(String topic, Map<TopicPartition, OffsetAndMetadata> committed, long now)
            throws ExecutionException, InterruptedException {
        List<TopicPartition> partitions = partitions(topic);
        Map<TopicPartition, Long> end = offsets(partitions, OffsetSpec.latest());
        Map<TopicPartition, Long> start = offsets(partitions, OffsetSpec.earliest());
        long waiting = 0;
        Long oldest = null;
        for (TopicPartition tp : partitions) {
            long from = committed.containsKey(tp) ? committed.get(tp).offset() : start.get(tp);
            if (end.get(tp) > from) {
                long behind = end.get(tp) - from;
                waiting += behind <= COUNTED_LAG ? recordsBetween(tp, from, end.get(tp)) : behind;
                Long written = timestampAt(tp, from, end.get(tp));
                if (written != null && (oldest == null || written < oldest)) {
                    oldest = written;
                }
            }
        }
        return new StatusReport.Tier(topic, waiting, oldest == null ? null : Duration.ofMillis(Math.max(0, now - oldest)));
    }

    /** The committed records from {@code from} up to {@code end}, markers and aborted ones not counted. */
    private long recordsBetween(TopicPartition tp, long from, long end) {
        reader.assign(List.of(tp));
        reader.seek(tp, from);
        long count = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (reader.position(tp) < end && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(200))) {
                if (r.offset() < end) {
                    count++;
                }
            }
        }
        return reader.position(tp) < end ? end - from : count;
    }

    /** The time the first record at or after {@code offset} was written, or null if none comes. */
    private Long timestampAt(TopicPartition tp, long offset, long end) {
        reader.assign(List.of(tp));
        reader.seek(tp, offset);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (reader.position(tp) < end && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(200))) {
                return r.timestamp();
            }
        }
        return null;
    }

    /**
     * The last minute from the records' own timestamps: messages written to mail.inbound since then,
     * and "delivered" events on mail.events (each one copy in a mailbox).
     */
    private StatusReport.Minute lastMinute(long now) throws ExecutionException, InterruptedException {
        long since = now - 60_000;
        List<TopicPartition> inbound = partitions(Topics.INBOUND);
        long accepted = sum(offsets(inbound, OffsetSpec.latest())) - sum(offsetsFor(inbound, since));
        List<TopicPartition> events = partitions(Topics.EVENTS);
        Map<TopicPartition, Long> end = offsets(events, OffsetSpec.latest());
        Map<TopicPartition, Long> from = offsetsFor(events, since);
        long delivered = 0;
        int read = 0;
        byte[] marker = "\"type\":\"delivered\"".getBytes(StandardCharsets.UTF_8);
        reader.assign(events);
        events.forEach(tp -> reader.seek(tp, from.get(tp)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (read < MAX_EVENTS_READ && System.nanoTime() < deadline
                && events.stream().anyMatch(tp -> reader.position(tp) < end.get(tp))) {
            for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(200))) {
                read++;
                if (r.timestamp() >= since && r.value() != null && Bytes.indexOf(r.value(), marker) >= 0) {
                    delivered++;
                }
            }
        }
        return new StatusReport.Minute(Math.max(0, accepted), delivered);
    }

    private List<TopicPartition> partitions(String topic) throws ExecutionException, InterruptedException {
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        return d.partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    private Map<TopicPartition, Long> offsets(Collection<TopicPartition> partitions, OffsetSpec spec)
            throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetSpec> request = partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> spec));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> r = admin
                .listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
        Map<TopicPartition, Long> out = new HashMap<>();
        r.forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    /** The first offset written at or after {@code since}; the end where nothing was. */
    private Map<TopicPartition, Long> offsetsFor(Collection<TopicPartition> partitions, long since)
            throws ExecutionException, InterruptedException {
        Map<TopicPartition, Long> byTime = offsets(partitions, OffsetSpec.forTimestamp(since));
        Map<TopicPartition, Long> end = offsets(partitions, OffsetSpec.latest());
        Map<TopicPartition, Long> out = new HashMap<>();
        for (TopicPartition tp : partitions) {
            long o = byTime.get(tp);
            out.put(tp, o < 0 ? end.get(tp) : o);
        }
        return out;
    }

    private Map<TopicPartition, OffsetAndMetadata> committed(String group) throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetAndMetadata> m = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        m.forEach((tp, o) -> {
            if (o != null) {
                out.put(tp, o);
            }
        });
        return out;
    }

    private java.util.Optional<ConsumerGroupDescription> describe(String group) throws InterruptedException {
        try {
            return java.util.Optional.of(admin.describeConsumerGroups(List.of(group)).all().get().get(group));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return java.util.Optional.empty();
            }
            throw new IllegalStateException("cannot describe group " + group + ": " + e.getCause(), e.getCause());
        }
    }

    private static long sum(Map<TopicPartition, Long> offsets) {
        return offsets.values().stream().mapToLong(Long::longValue).sum();
    }

    @Override
    public void close() {
        reader.close(Duration.ofSeconds(2));
        admin.close(Duration.ofSeconds(2));
    }
}
