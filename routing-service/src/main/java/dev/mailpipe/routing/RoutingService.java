package dev.mailpipe.routing;

import dev.mailpipe.model.Backoff;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.MailboxRegistry;
import dev.mailpipe.model.MailEvent;
import dev.mailpipe.model.MalformedEnvelopeException;
import dev.mailpipe.model.RetryScheduleConfig;
import dev.mailpipe.model.StageOutcomes;
import dev.mailpipe.model.Topics;
import dev.mailpipe.model.Failures;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.transactions.KafkaTransactions;
import io.smallrye.reactive.messaging.kafka.transactions.TransactionalEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

/**
 * routing-service: decides where each recipient's copy goes. Talks to DNS servers and Kafka, to no
 * SMTP peer. Reads {@code mail.inbound}; writes {@code mail.delivery} (per local mailbox),
 * {@code mail.relay} (per remote domain, with its ranked MX route), the retry tier of the next attempt (DNS not
 * answering), bounces back into {@code mail.inbound}, {@code mail.events} and {@code mail.dead-letter}.
 *
 * <p>Exactly once: a batch of input records, everything it produces and its consumer offsets are
 * committed in one Kafka transaction. A crash mid-batch aborts it; the batch is read again.
 */
@ApplicationScoped
public class RoutingService {
    static final String STAGE = "routing-service";
    private static final Logger LOG = Logger.getLogger(RoutingService.class);

    private final Router router;
    private final MxResolver resolver;
    private final RoutingConfig config;
    private final MeterRegistry registry;
    private final Timer dnsTimer;

    /**
     * Unbounded: everything one transaction sends is buffered until the producer takes it. The batch
     * bounds it (max.poll.records times recipients per message); a bounded buffer failed every send
     * past its size whenever the broker was slower than the loop, and so aborted every large batch.
     */
    @Inject
    @Channel("routed")
    @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER)
    KafkaTransactions<byte[]> transactions;

    /** The pause after the n-th abort in a row: 1 s, doubling, at most 30 s. */
    private static final Backoff ABORT_BACKOFF = new Backoff(0, Duration.ofSeconds(1), Duration.ofSeconds(30));
    private final Counter aborts;
    private volatile int abortsInARow;

    private final StageOutcomes outcomes;

    RoutingService(RoutingConfig config, MailboxRegistry mailboxes, RetryScheduleConfig retry, MeterRegistry registry)
            throws InterruptedException {
        this.config = config;
        this.outcomes = new StageOutcomes(STAGE, config.hostname(), retry);
        this.registry = registry;
        mailboxes.awaitLoaded();
        this.router = new Router(mailboxes, config.maxReceivedHeaders());
        this.resolver = new MxResolver(config.dns().servers().orElse(List.of()), config.dns().timeout(),
                config.dns().cacheSize(), config.dns().negativeTtl());
        this.dnsTimer = Timer.builder("mailpipe.routing.dns.latency").publishPercentileHistogram().register(registry);
        registry.gauge("mailpipe.routing.dns.cache.hit.ratio", resolver, MxResolver::hitRate);
        this.aborts = Counter.builder("mailpipe.routing.transactions.aborted")
                .description("routing transactions aborted; their batches were read again").register(registry);
    }

    @Incoming("inbound")
    public Uni<Void> route(KafkaRecordBatch<String, byte[]> batch) {
        List<Parsed> parsed = new ArrayList<>();
        Map<String, CompletableFuture<Resolution>> lookups = new HashMap<>();
        for (KafkaRecord<String, byte[]> record : batch.getRecords()) {
            try {
                Envelope envelope = MailRecords.envelope(record.getHeaders());
                parsed.add(new Parsed(record, envelope, null));
                for (String domain : router.remoteDomains(envelope)) {
                    lookups.computeIfAbsent(domain, this::timedLookup);
                }
            } catch (MalformedEnvelopeException e) {
                parsed.add(new Parsed(record, null, e.getMessage()));
            }
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(lookups.values().toArray(CompletableFuture[]::new));
        return Uni.createFrom().completionStage(all)
                .chain(() -> transactions.withTransaction(batch, tx -> {
                    for (Parsed p : parsed) {
                        emit(tx, p, domain -> lookups.get(domain).join());
                    }
                    return Uni.createFrom().voidItem();
                }))
                .call(() -> {
                    abortsInARow = 0;
                    return Uni.createFrom().completionStage(batch.ack());
                })
                .onFailure().call(this::aborted)
                .onFailure().recoverWithNull();
    }

    /**
     * The transaction was aborted (broker unavailable, a rebalance, a send that failed): nothing of
     * the batch is visible downstream and the consumer is back at the last committed offsets, so
     * the batch is read again. Not nacked: the channel would log every failed send of the batch.
     * The pause, doubling while aborts repeat, keeps a lasting failure from re-reading in a loop.
     */
    private Uni<Void> aborted(Throwable failure) {
        aborts.increment();
        Duration pause = ABORT_BACKOFF.after(++abortsInARow);
        LOG.warnf("routing transaction aborted, the batch will be read again in %ds: %s", pause.toSeconds(),
                Failures.summary(failure));
        return Uni.createFrom().voidItem().onItem().delayIt().by(pause);
    }

    private record Parsed(KafkaRecord<String, byte[]> record, Envelope envelope, String error) {
    }

    private void emit(TransactionalEmitter<byte[]> tx, Parsed p,
            java.util.function.Function<String, Resolution> routes) {
        KafkaRecord<String, byte[]> record = p.record();
        if (p.envelope() == null) {
            count("dead-letter");
            long offset = record.getMetadata(IncomingKafkaRecordMetadata.class).map(m -> m.getOffset()).orElse(-1L);
            send(tx, outcomes.deadLetter(record.getTopic(), record.getPartition(), offset, record.getKey(),
                    record.getPayload(), record.getHeaders(), p.error()));
            return;
        }
        Envelope envelope = p.envelope();
        byte[] message = record.getPayload();
        Router.Plan plan = router.plan(envelope, message, routes);
        for (Router.Delivery d : plan.deliveries()) {
            tx.send(MailRecords.mail(Topics.DELIVERY, d.mailbox(), d.envelope(), message));
            tx.send(MailEvent.of(envelope.id(), STAGE, "routed", d.mailbox(), "local delivery").with("route", "local")
                    .with("mailbox", d.mailbox()).toMessage());
            count("local");
        }
        for (Router.Relay r : plan.relays()) {
            tx.send(MailRecords.mail(Topics.RELAY, r.domain(), r.envelope(), message));
            List<String> mx = r.envelope().route().orElseThrow().mx().stream().map(h -> h.host()).toList();
            tx.send(MailEvent.of(envelope.id(), STAGE, "routed", r.domain(), "relay via " + mx).with("route", "relay")
                    .with("domain", r.domain()).with("mx", mx).toMessage());
            count("relay");
        }
        Instant now = Instant.now();
        for (Router.Deferral d : plan.deferrals()) {
            send(tx, outcomes.defer(d.envelope(), d.domain(), message, d.reason(), now).records());
            count("deferred");
        }
        if (!plan.failures().isEmpty()) {
            send(tx, outcomes.bounce(envelope, message, plan.failures(), now));
            plan.failures().forEach(f -> count("bounced"));
        }
    }

    private static void send(TransactionalEmitter<byte[]> tx, List<Message<byte[]>> records) {
        for (Message<byte[]> m : records) {
            tx.send(m);
        }
    }

    private CompletableFuture<Resolution> timedLookup(String domain) {
        long started = System.nanoTime();
        return resolver.resolve(domain).whenComplete((r, e) -> dnsTimer.record(Duration.ofNanos(System.nanoTime() - started)));
    }

    private void count(String outcome) {
        registry.counter("mailpipe.routing.routed", "outcome", outcome).increment();
    }

}
