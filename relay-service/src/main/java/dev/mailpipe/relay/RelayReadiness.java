package dev.mailpipe.relay;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Not ready while the loop has no clients open or pauses after a failure. */
@Readiness
@ApplicationScoped
public class RelayReadiness implements HealthCheck {
    private final RelayLoop loop;

    RelayReadiness(RelayLoop loop) {
        this.loop = loop;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("mail.relay consumer").status(loop.consuming()).build();
    }
}
