package dev.mailpipe.delivery;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Not ready while the loop has no clients open or pauses after a failure. */
@Readiness
@ApplicationScoped
public class DeliveryReadiness implements HealthCheck {
    private final DeliveryLoop loop;

    DeliveryReadiness(DeliveryLoop loop) {
        this.loop = loop;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("mail.delivery consumer").status(loop.consuming()).build();
    }
}
