package dev.mailpipe.queue;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Not ready while the loop over the retry tiers has no clients open or pauses after a failure. */
@Readiness
@ApplicationScoped
public class QueueReadiness implements HealthCheck {
    private final QueueManager loop;

    QueueReadiness(QueueManager loop) {
        this.loop = loop;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("retry tiers consumer").status(loop.consuming()).build();
    }
}
