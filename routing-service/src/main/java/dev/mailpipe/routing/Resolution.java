package dev.mailpipe.routing;

import dev.mailpipe.model.Route;
import java.time.Duration;

/** What DNS says about a destination domain: where to go, never there, or not now. */
sealed interface Resolution {
    /** How long this answer may be reused. */
    Duration ttl();

    /** MX hosts in the order to try them, each with its addresses. */
    record Routed(Route route, Duration ttl) implements Resolution {
    }

    /** A permanent failure: the recipients bounce with this RFC 3463 status. */
    record Failed(String status, String reason, Duration ttl) implements Resolution {
    }

    /** A temporary failure (SERVFAIL, timeout): the mail waits in the retry schedule. Not cached. */
    record Deferred(String reason) implements Resolution {
        @Override
        public Duration ttl() {
            return Duration.ZERO;
        }
    }
}
