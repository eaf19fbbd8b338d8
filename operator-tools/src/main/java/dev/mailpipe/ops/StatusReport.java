package dev.mailpipe.ops;

import dev.mailpipe.model.DestinationAction;
import java.time.Duration;
import java.util.List;

/**
 * What {@code ./mailpipe status} shows of the pipeline as Kafka sees it: each consuming stage's group
 * (members, lag per partition of its input topic), the retry tiers (what waits, and since when),
 * the dead letters, the destinations held back (by the operator, or by a site's own word), and the
 * last minute's traffic.
 *
 * @param at when it was read (epoch milliseconds)
 */
public record StatusReport(long at, List<Stage> stages, List<Tier> retryTiers, int retryMembers, long deadLetters,
        List<DestinationAction> held, Minute lastMinute) {

    /** A consuming stage: its group on its input topic. */
    public record Stage(String name, String group, String state, int members, String topic, List<Long> lagPerPartition) {
        public long lag() {
            return lagPerPartition.stream().mapToLong(Long::longValue).sum();
        }
    }

    /**
     * One retry tier: messages waiting in it and how long the oldest has waited (null when none).
     */
    public record Tier(String topic, long waiting, Duration oldest) {
    }

    /** Messages accepted (records written to mail.inbound) and copies delivered (delivered events). */
    public record Minute(long accepted, long delivered) {
    }

    public long retryWaiting() {
        return retryTiers.stream().mapToLong(Tier::waiting).sum();
    }
}
