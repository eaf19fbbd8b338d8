package dev.mailpipe.ingress;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.util.concurrent.atomic.AtomicInteger;

/** What the ingress counts: sessions, commands, messages accepted and refused (by reason), sizes. */
@Singleton
public class IngressMetrics {
    private final MeterRegistry registry;
    private final AtomicInteger open = new AtomicInteger();
    private final Counter connections;
    private final Counter accepted;
    private final DistributionSummary sizes;
    private final Timer publish;
    private final java.util.Map<Verb, Counter> commands = new java.util.EnumMap<>(Verb.class);
    private final Counter unknownCommands;

    IngressMetrics(MeterRegistry registry) {
        this.registry = registry;
        registry.gauge("mailpipe.ingress.sessions.open", open);
        connections = registry.counter("mailpipe.ingress.connections");
        accepted = registry.counter("mailpipe.ingress.messages.accepted");
        sizes = DistributionSummary.builder("mailpipe.ingress.message.size").baseUnit("bytes")
                .publishPercentileHistogram().register(registry);
        publish = Timer.builder("mailpipe.ingress.publish.latency").publishPercentileHistogram().register(registry);
        for (Verb v : Verb.values()) {
            commands.put(v, registry.counter("mailpipe.ingress.commands", "verb", v.name()));
        }
        unknownCommands = registry.counter("mailpipe.ingress.commands", "verb", "unknown");
    }

    void sessionOpened() {
        connections.increment();
        open.incrementAndGet();
    }

    void sessionClosed() {
        open.decrementAndGet();
    }

    void command(Verb verb) {
        (verb == null ? unknownCommands : commands.get(verb)).increment();
    }

    void accepted(long size, long publishNanos) {
        accepted.increment();
        sizes.record(size);
        publish.record(publishNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** A refusal, tagged by the reply's enhanced status code (5.1.1 unknown user, 5.7.1 relay, ...). */
    void rejected(Reply reply) {
        registry.counter("mailpipe.ingress.rejected", "code", String.valueOf(reply.code()),
                "status", reply.status() == null ? "none" : reply.status()).increment();
    }

    /** A client the door refused, by the test it failed (dnsbl, connection-rate, ..., policy). */
    void doorRefused(String test) {
        registry.counter("mailpipe.ingress.door.refusals", "test", test).increment();
    }

    /** A content scan's outcome (rspamd's action, or failed) and how long it took. */
    void contentScanned(String action, long nanos) {
        registry.counter("mailpipe.ingress.content.scans", "action", action).increment();
        if (nanos > 0) {
            registry.timer("mailpipe.ingress.content.scan.latency").record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    /** A milter that could not be reached, was silent past its timeout, or broke the protocol. */
    void milterFailed(String address) {
        registry.counter("mailpipe.ingress.milter.failures", "milter", address).increment();
    }

    /** An AUTH outcome: success, failure, locked-out (refused before any password check). */
    void auth(String outcome) {
        registry.counter("mailpipe.ingress.auth", "outcome", outcome).increment();
    }
}
