package dev.mailpipe.ingress;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** Small limits, reached quickly in tests. */
public class LimitsProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "mailpipe.ingress.greeting-delay", "400ms",
                "mailpipe.ingress.max-connections-per-client", "3",
                "mailpipe.ingress.idle-timeout", "1s",
                "mailpipe.ingress.session-timeout", "3s",
                "mailpipe.ingress.max-errors", "3",
                "mailpipe.ingress.recipient-overshoot-limit", "4",
                "mailpipe.ingress.data-timeout", "1s",
                "mailpipe.ingress.min-data-rate", "100");
    }
}
