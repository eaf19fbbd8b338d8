package dev.mailpipe.routing;

import dev.mailpipe.model.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;

/**
 * routing-service's loop over {@code mail.notices}: the bounces and delay warnings every stage
 * writes, routed as any mail but in a group and a transaction of their own. A storm of bounces
 * then fills this loop's lag (watched, and scaled on, apart), not the lag user mail waits in. A
 * singleton, not a proxied bean: a proxy would need a constructor without arguments.
 */
@Singleton
class NoticeRoutingLoop extends RoutingLoop {

    NoticeRoutingLoop(RoutingService routing, RoutingConfig config, MeterRegistry registry) {
        super(routing, config, registry);
    }

    @Override
    String threadName() {
        return "routing-notices";
    }

    @Override
    protected Input input() {
        return new Input(Topics.NOTICES, config.notices().group(), config.notices().transactionalId(), config.batchSize());
    }
}
