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

    /** Whether mail from authenticated submission is scanned too (relay networks never are). */
    @WithDefault("false")
    boolean scanSubmission();

    /** How long a scan may take. */
    @WithDefault("20s")
    Duration timeout();

    /** What a message gets when rspamd does not answer in time or cannot be reached. */
    @WithDefault("accept")
    OnFailure onFailure();

    enum OnFailure {
        /** Queued, its envelope marked {@code unscanned}. */
        ACCEPT,
        /** {@code 451 4.7.1}: the client tries again later. */
        DEFER
    }
}
