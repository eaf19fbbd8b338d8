package dev.mailpipe.routing;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.MailEvent;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.MalformedEnvelopeException;
import dev.mailpipe.model.Topics;
import dev.mailpipe.runtime.MailboxRegistry;
import dev.mailpipe.runtime.RetryScheduleConfig;
import dev.mailpipe.runtime.StageOutcomes;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * routing-service: decides where each recipient's copy goes. Talks to DNS servers and Kafka, to no
 * SMTP peer. Reads {@code mail.inbound} and {@code mail.notices}; writes {@code mail.delivery} (per message, for
 * all its local mailboxes),
 * {@code mail.relay} (per remote domain, with its ranked MX route), the retry tier of the next attempt (DNS not
 * answering), bounces into {@code mail.notices}, {@code mail.events} and {@code mail.dead-letter}.
 *
 * <p>This class turns one poll's records into what the stage writes for them; {@link RoutingLoop}
 * reads them and commits that output with the poll's offsets in one Kafka transaction.
 *
 * <p>Trusts: the envelope the ingress wrote (the contract), DNS answers only for their TTL, and
 * the mailbox registry for what is local.
 */
@ApplicationScoped
public class RoutingService {
    static final String STAGE = "routing-service";

    private final Router router;
    private final MxResolver resolver;
    private final MeterRegistry registry;
    private final Timer dnsTimer;
    private final StageOutcomes outcomes;
    private final List<String> rollups;

    RoutingService(RoutingConfig config, MailboxRegistry mailboxes, RetryScheduleConfig retry, MeterRegistry registry)
            throws InterruptedException {
        this.outcomes = new StageOutcomes(STAGE, config.hostname(), retry);
        this.registry = registry;
        this.rollups = config.mxRollup();
        mailboxes.awaitLoaded();
        this.router = new Router(mailboxes, config.maxReceivedHeaders());
        this.resolver = new MxResolver(config.dns().servers().orElse(List.of()), config.dns().timeout(),
                config.dns().cacheSize(), config.dns().negativeTtl());
        this.dnsTimer = Timer.builder("mailpipe.routing.dns.latency").publishPercentileHistogram().register(registry);
        registry.gauge("mailpipe.routing.dns.cache.hit.ratio", resolver, MxResolver::hitRate);
    }

    /**
     * Everything the stage writes for these records, in their order. The DNS questions of the whole
     * batch are asked at once, and each domain once; this waits for their answers (each bounded by
     * {@code mailpipe.routing.dns.timeout}, a timeout being a deferral).
     */
    List<ProducerRecord<String, byte[]>> route(Iterable<ConsumerRecord<String, byte[]>> records) {
        List<Parsed> parsed = new ArrayList<>();
        Map<String, CompletableFuture<Resolution>> lookups = new HashMap<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            try {
                Envelope envelope = MailRecords.envelope(record);
                parsed.add(new Parsed(record, envelope, null));
                for (String domain : router.remoteDomains(envelope)) {
                    lookups.computeIfAbsent(domain, this::timedLookup);
                }
            } catch (MalformedEnvelopeException e) {
                parsed.add(new Parsed(record, null, e.getMessage()));
            }
        }
        CompletableFuture.allOf(lookups.values().toArray(CompletableFuture[]::new)).join();
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>(parsed.size() * 2);
        for (Parsed p : parsed) {
            emit(out, p, domain -> lookups.get(domain).join());
        }
        return out;
    }

    private record Parsed(ConsumerRecord<String, byte[]> record, Envelope envelope, String error) {
    }

    private void emit(List<ProducerRecord<String, byte[]>> out, Parsed p,
            java.util.function.Function<String, Resolution> routes) {
        ConsumerRecord<String, byte[]> record = p.record();
        if (p.envelope() == null) {
            count("dead-letter");
            out.addAll(outcomes.deadLetter(record, p.error()));
            return;
        }
        Envelope envelope = p.envelope();
        byte[] message = record.value();
        Router.Plan plan = router.plan(envelope, message, routes);
        if (!plan.deliveries().isEmpty()) {
            // One record for every local copy, keyed by the message: the body crosses the topic once
            // however many mailboxes it is for (docs/pipeline.md).
            out.add(MailRecords.record(Topics.DELIVERY, envelope.id(), plan.local(), message));
        }
        for (Router.Delivery d : plan.deliveries()) {
            out.add(MailEvent.of(envelope.id(), STAGE, "routed", d.mailbox(), "local delivery").with("route", "local")
                    .with("mailbox", d.mailbox()).toRecord());
            count("local");
        }
        for (Router.Relay r : plan.relays()) {
            // Keyed by the destination's site: its mail meets one relay replica (docs/pipeline.md).
            out.add(MailRecords.record(Topics.RELAY, r.envelope().route().orElseThrow().site(), r.envelope(), message));
            List<String> mx = r.envelope().route().orElseThrow().mx().stream().map(h -> h.host()).toList();
            out.add(MailEvent.of(envelope.id(), STAGE, "routed", r.domain(), "relay via " + mx).with("route", "relay")
                    .with("domain", r.domain()).with("mx", mx).toRecord());
            count("relay");
        }
        Instant now = Instant.now();
        for (Router.Deferral d : plan.deferrals()) {
            out.addAll(outcomes.defer(d.envelope(), d.domain(), message, d.reason(), now).records());
            count("deferred");
        }
        if (!plan.failures().isEmpty()) {
            out.addAll(outcomes.bounce(envelope, message, plan.failures(), now));
            plan.failures().forEach(f -> count("bounced"));
        }
    }

    private CompletableFuture<Resolution> timedLookup(String domain) {
        long started = System.nanoTime();
        return resolver.resolve(domain).whenComplete((r, e) -> dnsTimer.record(Duration.ofNanos(System.nanoTime() - started)))
                .thenApply(r -> r instanceof Resolution.Routed routed
                        ? new Resolution.Routed(routed.route().rolledUp(rollups), routed.ttl()) : r);
    }

    private void count(String outcome) {
        registry.counter("mailpipe.routing.routed", "outcome", outcome).increment();
    }
}
