package dev.mailpipe.ingress;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Not ready while Kafka refuses messages: every client would hear 451, so a load balancer should
 * send them to another replica. Ready again with the next acknowledged message, or after three
 * publish timeouts without a new refusal, so that traffic comes back to test whether Kafka is.
 */
@Readiness
@ApplicationScoped
public class InboundReadiness implements HealthCheck {
    private final InboundPublisher publisher;
    private final IngressConfig config;

    InboundReadiness(InboundPublisher publisher, IngressConfig config) {
        this.publisher = publisher;
        this.config = config;
    }

    @Override
    public HealthCheckResponse call() {
        Throwable failure = publisher.recentFailure(config.publishTimeout().multipliedBy(3));
        return HealthCheckResponse.named("mail.inbound publisher").status(failure == null)
                .withData("lastFailure", failure == null ? "none" : failure.toString()).build();
    }
}
