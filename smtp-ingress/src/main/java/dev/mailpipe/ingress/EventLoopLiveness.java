package dev.mailpipe.ingress;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Liveness of the SMTP event loops: each listener's loop ticks every second ({@link #tick}); one
 * that has not ticked for {@link #STUCK} is blocked (a handler that never returns, a loop gone),
 * and the process serves none of the sessions on it, so it is reported down and restarted.
 */
@Liveness
@ApplicationScoped
public class EventLoopLiveness implements HealthCheck {
    static final Duration STUCK = Duration.ofSeconds(30);

    private final Map<String, Long> ticks = new ConcurrentHashMap<>();

    /** Called on an event loop's own thread, every second. */
    void tick() {
        ticks.put(Thread.currentThread().getName(), System.nanoTime());
    }

    @Override
    public HealthCheckResponse call() {
        long now = System.nanoTime();
        var response = HealthCheckResponse.named("smtp event loops");
        boolean up = true;
        for (var e : ticks.entrySet()) {
            long age = now - e.getValue();
            if (age > STUCK.toNanos()) {
                up = false;
                response.withData(e.getKey(), "no tick for " + Duration.ofNanos(age).toSeconds() + " s");
            }
        }
        return response.status(up).build();
    }
}
