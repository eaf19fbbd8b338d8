package dev.mailpipe.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * One reading of every consumer group's lag, under kafka_exporter's names and rules, so that the
 * same dashboards and alerts work on its figures and on Strimzi's exporter: per group, topic and
 * partition the committed offset and the lag (the partition's end offset less it); a partition of a
 * topic the group reads that has no commit yet reports lag -1, as kafka_exporter does, so that an
 * alert can see it; per group its members; per partition its end offset and (for the console,
 * which counts what waits where no group committed yet) its oldest offset.
 */
record LagSnapshot(List<GroupPartition> lags, Map<String, Integer> members, Map<TopicPartition, Long> ends,
        Map<TopicPartition, Long> starts) {

    /** A group's reading of one partition: what it committed (-1 for nothing) and its lag (-1 then). */
    record GroupPartition(String group, TopicPartition partition, long committed, long lag) {
    }

    /**
     * @param committed per group, its committed offsets
     * @param members per group, how many members it has
     * @param ends every partition's end offset
     */
    /** The same reading with each partition's oldest offset. */
    LagSnapshot withStarts(Map<TopicPartition, Long> oldest) {
        return new LagSnapshot(lags, members, ends, Map.copyOf(oldest));
    }

    static LagSnapshot of(Map<String, Map<TopicPartition, Long>> committed, Map<String, Integer> members,
            Map<TopicPartition, Long> ends) {
        List<GroupPartition> rows = new ArrayList<>();
        committed.forEach((group, offsets) -> {
            Set<String> topics = new java.util.TreeSet<>();
            offsets.keySet().forEach(tp -> topics.add(tp.topic()));
            for (TopicPartition tp : ends.keySet().stream().filter(p -> topics.contains(p.topic()))
                    .sorted(java.util.Comparator.comparing(TopicPartition::toString)).toList()) {
                Long at = offsets.get(tp);
                rows.add(at == null ? new GroupPartition(group, tp, -1, -1)
                        : new GroupPartition(group, tp, at, Math.max(0, ends.get(tp) - at)));
            }
        });
        return new LagSnapshot(rows, members, ends, Map.of());
    }
}
