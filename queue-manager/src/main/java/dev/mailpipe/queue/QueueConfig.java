package dev.mailpipe.queue;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Settings of the queue manager ({@code mailpipe.queue.*}, or {@code MAILPIPE_QUEUE_*}). */
@ConfigMapping(prefix = "mailpipe.queue")
public interface QueueConfig {
    /** The host name its bounces name as their Reporting-MTA (RFC 3464). */
    @WithDefault("${mailpipe.hostname}")
    String hostname();

    /**
     * The consumer group that owns the retry tiers; its committed offsets are the head of the
     * queue ({@code ./mailpipe queue} reads from them).
     */
    @WithDefault("queue-manager")
    String group();

    /**
     * Its transactional id: each release (forward and offsets) is one transaction. Two replicas
     * must have two ids, or the second fences the first; {@code HOSTNAME} is the pod's name.
     */
    @WithDefault("queue-manager-${HOSTNAME:local}")
    String transactionalId();

    /** How long a queue command (list, flush, drop) may take before its caller is told it failed. */
    @WithDefault("60s")
    Duration commandTimeout();

    /**
     * Events the trace index keeps per generation; it always finds the last this many events and
     * at most twice as many (about 36 MB of heap per million).
     */
    @WithDefault("1000000")
    int traceEvents();

    /** How long a trace waits for the index to reach the events written before it was asked. */
    @WithDefault("2s")
    Duration traceCatchUp();

    /** mailpipe's own lag collector ({@link LagCollector}), under kafka_exporter's metric names. */
    LagCollectorSettings lagCollector();

    interface LagCollectorSettings {
        /** On locally; off where an exporter (Strimzi's) publishes the same names. */
        @WithDefault("true")
        boolean enabled();

        /** How often the offsets are read. */
        @WithDefault("10s")
        Duration interval();
    }
}
