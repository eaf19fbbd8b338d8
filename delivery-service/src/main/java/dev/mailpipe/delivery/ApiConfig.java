package dev.mailpipe.delivery;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Who may use the HTTP API ({@code mailpipe.api.*}, or {@code MAILPIPE_API_*}). */
@ConfigMapping(prefix = "mailpipe.api")
public interface ApiConfig {
    /**
     * The administrator's password, for HTTP Basic as user {@code admin}: in Kubernetes from a
     * Secret, locally written by {@code ./mailpipe up} to {@code data/admin-password}. Unset, no one
     * is administrator and the registry cannot be changed over HTTP.
     */
    Optional<String> adminPassword();

    /** Failed logins from one client address before the API answers it 429 for {@link #lockout()}. */
    @WithDefault("10")
    int maxFailuresPerClient();

    /** How long a client address past its failures is refused, counted from its last failure. */
    @WithDefault("15m")
    Duration lockout();
}
