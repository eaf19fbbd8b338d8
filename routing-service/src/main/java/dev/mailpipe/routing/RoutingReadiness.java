package dev.mailpipe.routing;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Not ready while the loop has no clients open or its last transaction failed (it is pausing). */
@Readiness
@ApplicationScoped
public class RoutingReadiness implements HealthCheck {
    private final RoutingLoop loop;

    RoutingReadiness(RoutingLoop loop) {
        this.loop = loop;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("mail.inbound consumer").status(loop.consuming()).build();
    }
}
