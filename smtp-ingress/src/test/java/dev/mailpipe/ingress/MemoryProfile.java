package dev.mailpipe.ingress;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * A message memory small enough to reach: 400,000 octets, a client's share 100,000 (one session's
 * first 64 KiB step, not two); messages up to 20,000 octets (the test profile's limit).
 */
public class MemoryProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("mailpipe.ingress.message-memory", "400000", "mailpipe.ingress.message-memory-client-share", "0.25",
                "mailpipe.ingress.max-connections-per-client", "60");
    }
}
