package dev.mailpipe.ingress;

import dev.mailpipe.peers.Postgrey;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.util.Map;

/** Debian's postgrey as the ingress's policy server, greylisting for {@link #DELAY_SECONDS}. */
public class PostgreyResource implements QuarkusTestResourceLifecycleManager {
    static final int DELAY_SECONDS = 2;
    private Postgrey postgrey;

    @Override
    public Map<String, String> start() {
        try {
            postgrey = Postgrey.start(Files.createTempDirectory("postgrey"), DELAY_SECONDS);
            return Map.of("mailpipe.ingress.door.policy.service", postgrey.address(),
                    "mailpipe.ingress.door.policy.timeout", "5s");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        try {
            if (postgrey != null) {
                postgrey.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
