package dev.mailpipe.ingress;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Not ready while Kafka refuses the last message: every client would hear 451, so a load balancer
 * should send them to another replica. Ready again with the next acknowledged message.
 */
@Readiness
@ApplicationScoped
public class InboundReadiness implements HealthCheck {
    private final InboundPublisher publisher;

    InboundReadiness(InboundPublisher publisher) {
        this.publisher = publisher;
    }

    @Override
    public HealthCheckResponse call() {
        Throwable failure = publisher.lastFailure();
        return HealthCheckResponse.named("mail.inbound publisher").status(failure == null)
                .withData("lastFailure", failure == null ? "none" : failure.toString()).build();
    }
}
