package dev.mailpipe.delivery;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Settings of Maildir delivery ({@code mailpipe.delivery.*}, or {@code MAILPIPE_DELIVERY_*}). */
@ConfigMapping(prefix = "mailpipe.delivery")
public interface DeliveryConfig {
    /** Root of the mail store: mailboxes live at {@code <root>/<domain>/<local-part>/Maildir/}. */
    @WithDefault("data/mail")
    String root();

    /** Name this MTA reports in the bounces it writes. */
    @WithDefault("${mailpipe.hostname}")
    String hostname();

    /** fsync each file and its directory before the offset is committed. Off only for benchmarks. */
    @WithDefault("true")
    boolean fsync();

    /**
     * Files of one batch written and fsync'd at once. Parallel fsyncs share the file system's journal
     * commits: on the benchmark disk 8 writers took durable Maildir writes from 1,300/s to 4,700/s.
     */
    @WithDefault("8")
    int writers();

    /** The consumer group that reads {@code mail.delivery} (what KEDA's trigger watches). */
    @WithDefault("delivery-service")
    String group();

    /**
     * Most records in one poll, and so in one batch: their files are fsync'd in parallel and each
     * Maildir's {@code new/} once per batch.
     */
    @WithDefault("500")
    int batchSize();

    /**
     * How often the offsets of delivered batches are committed. A record delivered but not yet
     * committed when the stage dies is read again and finds its file (no second copy).
     */
    @WithDefault("1s")
    Duration commitInterval();

    /** First wait before retrying a delivery that failed on the file system (disk full, permissions). */
    @WithDefault("1s")
    Duration retryInitialDelay();

    /** Longest wait between such retries. */
    @WithDefault("8s")
    Duration retryMaxDelay();

    /**
     * Writes of one message tried here before it goes to the retry tiers, and the longest they may
     * take together: one mailbox that cannot be written (EACCES, EDQUOT, a long ENOSPC) must not
     * hold up its partition's other mailboxes. It waits in the tiers with the reason's enhanced
     * code (quota 4.2.2, disk full 4.3.1, anything else 4.3.0) and comes back through routing;
     * never dropped.
     */
    @WithDefault("4")
    int localAttempts();

    @WithDefault("30s")
    Duration localRetryTime();
}
