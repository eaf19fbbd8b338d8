package dev.mailpipe.filter;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Settings of the after-queue content filter ({@code mailpipe.filter.*}, or {@code MAILPIPE_FILTER_*}). */
@ConfigMapping(prefix = "mailpipe.filter")
public interface FilterConfig {
    /** The consumer group that reads {@code mail.scan}; its offsets commit with each transaction. */
    @WithDefault("content-filter")
    String group();

    /**
     * The transactional id of the stage's producer: each poll's output and offsets are one
     * transaction. Two replicas need two ids; {@code HOSTNAME} is the pod's name.
     */
    @WithDefault("filter-${HOSTNAME:local}")
    String transactionalId();

    /** Most messages in one poll, scanned at once and committed in one transaction. */
    @WithDefault("16")
    int batchSize();

    /** rspamd's normal worker, e.g. {@code http://127.0.0.1:11333}. */
    @WithDefault("http://127.0.0.1:11333")
    String rspamdUrl();

    /** How long one scan may take; after the queue nobody waits on it but the message. */
    @WithDefault("60s")
    Duration timeout();

    /**
     * What happens to spam rspamd would have refused ({@code reject}) from a sender this
     * installation does not vouch for: {@code quarantine} delivers it into the Junk folder,
     * {@code drop} discards it with a {@code filtered} event. Never bounced: its sender may be forged.
     * A virus is always dropped; rejected mail from a trusted sender (submission) too.
     */
    @WithDefault("quarantine")
    Rejected rejected();

    enum Rejected {
        QUARANTINE,
        DROP
    }

    /**
     * While rspamd cannot scan, mail waits in {@code mail.scan} (the stage's lag shows it); a
     * message received this long ago goes on marked {@code unscanned} instead of waiting longer.
     */
    @WithDefault("1h")
    Duration unscannedAfter();
}
