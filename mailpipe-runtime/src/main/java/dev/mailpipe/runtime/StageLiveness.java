package dev.mailpipe.runtime;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.time.Duration;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Liveness of a service's stage loop (routing, relay, delivery, queue-manager): down once the loop
 * has ended or has not polled for {@link #STUCK}, so that Kubernetes (or an operator watching
 * {@code /q/health/live}) restarts a process that no longer moves mail. The loops poll at least
 * every second when idle; a batch that takes minutes is a hang (delivery's writes give up within
 * {@code local-retry-time}, the relay never blocks its loop). Up where the service has no loop.
 */
@Liveness
@ApplicationScoped
public class StageLiveness implements HealthCheck {
    static final Duration STUCK = Duration.ofMinutes(3);

    private final Instance<StageLoop> loops;

    StageLiveness(Instance<StageLoop> loops) {
        this.loops = loops;
    }

    @Override
    public HealthCheckResponse call() {
        boolean up = true;
        for (StageLoop loop : loops) {
            up &= loop.alive(STUCK);
        }
        return HealthCheckResponse.named("stage loop").status(up).build();
    }
}
