package dev.mailpipe.ingress;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * Content filtering through rspamd's HTTP protocol ({@code /checkv2}) at the end of data; rspamd's
 * antivirus module, talking to clamd, makes the same call a virus check. Off until a URL is set.
 */
@ConfigMapping(prefix = "mailpipe.ingress.rspamd")
public interface RspamdConfig {
    /** rspamd's normal worker, e.g. {@code http://127.0.0.1:11333}; empty: no scanning. */
    Optional<String> url();

    /**
     * When the scan runs. {@code before-queue}: at the end of data, and the client hears rspamd's
     * refusal. {@code after-queue}: the message is queued on {@code mail.scan} at once and
     * content-filter scans it after the {@code 250}, where a slow scanner holds up no session; a
     * refused message is then dropped or quarantined, never bounced to a sender that may be forged.
     */
    @WithDefault("before-queue")
    Mode mode();

    enum Mode {
        BEFORE_QUEUE,
        AFTER_QUEUE
    }

    /** Whether mail from authenticated submission is scanned too (relay networks never are). */
    @WithDefault("false")
    boolean scanSubmission();

    /** How long a scan may take (before the queue). */
    @WithDefault("20s")
    Duration timeout();

    /** What a message gets when rspamd does not answer in time or cannot be reached (before the queue). */
    @WithDefault("accept")
    OnFailure onFailure();

    enum OnFailure {
        /** Queued, its envelope marked {@code unscanned}. */
        ACCEPT,
        /** {@code 451 4.7.1}: the client tries again later. */
        DEFER
    }
}
