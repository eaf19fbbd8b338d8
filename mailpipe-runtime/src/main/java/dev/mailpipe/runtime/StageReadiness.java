package dev.mailpipe.runtime;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness of a service's stage loop (routing, relay, delivery, queue-manager): not ready while
 * the loop has no clients open or pauses after a failure, so that no traffic and no rollout counts
 * on a replica that moves no mail. Each loop is named in the data by its thread. Up where the
 * service has no loop.
 */
@Readiness
@ApplicationScoped
public class StageReadiness implements HealthCheck {
    private final Instance<StageLoop> loops;

    StageReadiness(Instance<StageLoop> loops) {
        this.loops = loops;
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("stage loop consuming");
        boolean up = true;
        for (StageLoop loop : loops) {
            response.withData(loop.name(), loop.consuming());
            up &= loop.consuming();
        }
        return response.status(up).build();
    }
}
