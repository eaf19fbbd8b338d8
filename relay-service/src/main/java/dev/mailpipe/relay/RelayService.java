package dev.mailpipe.relay;

import dev.mailpipe.model.Bounce;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.MailEvent;
import dev.mailpipe.model.MalformedEnvelopeException;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.RetryScheduleConfig;
import dev.mailpipe.model.StageOutcomes;
import dev.mailpipe.model.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.vertx.core.Vertx;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Acknowledgment;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * relay-service: the outbound SMTP client. Faces the network: it connects to remote MX hosts.
 * Reads {@code mail.relay} (keyed by destination domain, with the ranked route). Writes the outcome
 * of each recipient: sent (an event), deferred (the next retry tier), bounced (a DSN into
 * {@code mail.inbound}). The offset is acknowledged only once those records are acknowledged.
 */
@ApplicationScoped
public class RelayService {
    static final String STAGE = "relay-service";
    /** Envelope flag: the sender was told once that this message is delayed. */
    private static final Logger LOG = Logger.getLogger(RelayService.class);

    private final RelayConfig config;
    private final MxWalker walker;
    private final ClaimedDeliveries claimed = new ClaimedDeliveries(ClaimedDeliveries.SIZE, ClaimedDeliveries.KEEP);
    private final MeterRegistry registry;

    /**
     * Unbounded: up to max-concurrency deliveries finish at once, each with an event per recipient;
     * a bounded buffer would fail the sends past its size while the broker is slower than they are.
     */
    @Inject
    @Channel("outcomes")
    @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER)
    MutinyEmitter<byte[]> outcomes;

    private final RetryScheduleConfig retry;
    private final StageOutcomes stageOutcomes;

    private final RelayProgress progress;
    private final DeliveriesInHand inHand;

    private final DkimSigning dkim;

    RelayService(Vertx vertx, RelayConfig config, RetryScheduleConfig retry, MeterRegistry registry,
            RelayProgress progress, DkimSigning dkim, MtaStsConfig mtaSts, DaneConfig daneConfig) {
        this.config = config;
        this.dkim = dkim;
        this.progress = progress;
        this.retry = retry;
        this.stageOutcomes = new StageOutcomes(STAGE, config.hostname(), retry);
        this.registry = registry;
        RelayTrust trust = new RelayTrust(config.trustStore());
        MtaStsPolicies policies = mtaSts.enabled() ? new MtaStsPolicies(vertx, org.xbill.DNS.lookup.LookupSession.builder()
                .resolver(dev.mailpipe.model.DnsResolvers.of(config.dnsServers().orElse(List.of()), config.dnsTimeout()))
                .cache(new org.xbill.DNS.Cache(org.xbill.DNS.DClass.IN)).build(), trust, mtaSts, java.time.Clock.systemUTC()) : null;
        DaneLookups dane = daneConfig.enabled() ? new DaneLookups(
                dev.mailpipe.model.DnsResolvers.of(config.dnsServers().orElse(List.of()), config.dnsTimeout()), daneConfig, config.port())
                : null;
        this.walker = new MxWalker(vertx, config, trust, policies, dane, registry);
        this.inHand = new DeliveriesInHand(config.maxDeliveriesInHand(), config.maxBytesInHand().asLongValue());
        registry.gauge("mailpipe.relay.in.hand", inHand, DeliveriesInHand::records);
        MultiGauge windows = MultiGauge.builder("mailpipe.relay.site.window")
                .description("transfers at once allowed to a destination site (its MX hosts), as learned").register(registry);
        vertx.setPeriodic(WINDOW_METRICS_EVERY.toMillis(), t -> windows.register(walker.siteWindows().entrySet().stream()
                .map(e -> MultiGauge.Row.of(Tags.of("site", e.getKey()), e.getValue())).toList(), true));
    }

    private static final Duration WINDOW_METRICS_EVERY = Duration.ofSeconds(10);

    /**
     * Many deliveries at once, and no thread held while one waits: each record is taken into
     * {@link DeliveriesInHand} and its delivery runs on asynchronously; the next record comes as soon
     * as this one is taken, so a slow or silent MX holds only its own site's window
     * ({@link SiteLimiter}) and places in hand. The record is acknowledged when its outcome is
     * recorded; the commit strategy ({@link ProgressCommit}) moves a partition's offset only past
     * such records, even when later ones finish first, and tells the partition's next owner which
     * records above it are done. Independent messages need no order.
     */
    @Incoming("relay")
    @Acknowledgment(Acknowledgment.Strategy.MANUAL)
    public CompletionStage<Void> relay(KafkaRecord<String, byte[]> message) {
        ConsumerRecord<String, byte[]> record = consumerRecord(message);
        if (progress.isStopping()) {
            // Not started, not acknowledged: the partition's next owner sends it.
            progress.leave(record);
            return CompletableFuture.completedFuture(null);
        }
        switch (progress.decide(record)) {
            case NOT_OWNED -> {
                LOG.infof("%s-%d offset %d moved to another replica before it was sent; left to it", record.topic(),
                        record.partition(), record.offset());
                return message.ack();
            }
            case DONE_BEFORE -> {
                LOG.infof("%s-%d offset %d was relayed before the partition came here; not sent again",
                        record.topic(), record.partition(), record.offset());
                return message.ack();
            }
            case DELIVER -> {
                // below
            }
        }
        long size = record.value() == null ? 0 : record.value().length;
        return inHand.take(size).thenRun(() -> {
            Uni<Void> delivery;
            try {
                delivery = deliver(record);
            } catch (RuntimeException e) {
                delivery = Uni.createFrom().failure(e);
            }
            delivery.subscribe().with(
                    done -> {
                        inHand.release(size);
                        message.ack();
                    },
                    failure -> {
                        inHand.release(size);
                        message.nack(failure);
                    });
        });
    }

    /**
     * A stop (SIGTERM, a pod deleted) waits, up to {@code hand-over-grace}, for the deliveries in
     * hand to finish and their outcomes to be recorded and committed, before the messaging layer
     * closes its consumer and producers: closed first, they would leave finished deliveries
     * uncommitted, and the next owner would send them again. Runs before SmallRye's own shutdown
     * (the lowest priority first).
     */
    void stop(@Observes @Priority(0) ShutdownEvent event) {
        progress.stopping();
        RelayProgress.awaitNone(inHand::records, config.handOverGrace());
        if (inHand.records() > 0) {
            LOG.warnf("stopping with %d deliveries still under way after %s: the next owner sends them again",
                    inHand.records(), config.handOverGrace());
        } else {
            LOG.infof("stopping: every delivery under way finished");
        }
        // Two periodic commits' time, so the last outcomes are in a commit.
        LockSupport.parkNanos(config.commitInterval().multipliedBy(2).toNanos());
    }

    @SuppressWarnings("unchecked")
    private static ConsumerRecord<String, byte[]> consumerRecord(KafkaRecord<String, byte[]> message) {
        return (ConsumerRecord<String, byte[]>) (ConsumerRecord<?, ?>) ProgressCommit.consumerRecord(
                (io.smallrye.reactive.messaging.kafka.IncomingKafkaRecord<?, ?>) message);
    }

    private Uni<Void> deliver(ConsumerRecord<String, byte[]> record) {
        Envelope envelope;
        try {
            envelope = MailRecords.envelope(record);
        } catch (MalformedEnvelopeException e) {
            return sendAll(stageOutcomes.deadLetter(record, e.getMessage()));
        }
        Envelope env = envelope;
        String domain = record.key();
        if (!claimed.claim(env, domain)) {
            LOG.infof("%s for %s (attempt %d) is already being or was relayed by this replica; not sent again",
                    env.id(), domain, env.attempt());
            registry.counter("mailpipe.relay.duplicates.skipped").increment();
            return Uni.createFrom().voidItem();
        }
        OutgoingMessage outgoing = new OutgoingMessage(env, record.value(), dkim);
        return Uni.createFrom().completionStage(() -> walker.deliver(env, outgoing).toCompletionStage())
                .chain(results -> record(env, domain, record.value(), outgoing.signatures(), results))
                .onFailure().invoke(e -> claimed.release(env, domain));
    }

    /** Makes every outcome durable (events, retry records, the DSN) before the offset may move. */
    private Uni<Void> record(Envelope envelope, String domain, byte[] message, String dkimSignatures, List<Outcome> results) {
        Instant now = Instant.now();
        List<Message<byte[]>> out = new ArrayList<>();
        List<Recipient> deferred = new ArrayList<>();
        List<Bounce.Failure> failures = new ArrayList<>();
        boolean expired = retry.expired(envelope.receivedAt(), now);
        for (Outcome o : results) {
            String rcpt = o.recipient().address();
            switch (o.kind()) {
                case SENT -> {
                    MailEvent relayed = MailEvent.of(envelope.id(), STAGE, "relayed", rcpt, o.detail())
                            .with("remoteHost", o.remoteMta()).with("reply", o.detail()).with("tls", o.tls());
                    out.add((dkimSignatures == null ? relayed : relayed.with("dkim", dkimSignatures)).toMessage());
                    LOG.infof("relayed %s to <%s> via %s: %s", envelope.id(), rcpt, o.remoteMta(), o.detail());
                }
                case BOUNCED -> failures.add(new Bounce.Failure(o.recipient(), o.status(), o.detail(), o.remoteMta()));
                case DEFERRED -> {
                    if (expired) {
                        failures.add(new Bounce.Failure(o.recipient(), "4.4.7",
                                o.detail() + " (gave up after " + retry.maxLifetime() + ")", o.remoteMta()));
                    } else {
                        deferred.add(o.recipient());
                    }
                }
            }
            registry.counter("mailpipe.relay.recipients", "outcome", o.kind().name().toLowerCase()).increment();
        }
        if (!deferred.isEmpty()) {
            Envelope later = envelope.withRecipients(deferred);
            if (dueForDelayWarning(envelope, now)) {
                List<Bounce.Failure> delays = results.stream().filter(o -> o.kind() == Outcome.Kind.DEFERRED)
                        .map(o -> new Bounce.Failure(o.recipient(), o.status(), o.detail(), o.remoteMta())).toList();
                Bounce.delayed(envelope, message, delays, config.hostname(), now).ifPresent(
                        n -> out.add(MailRecords.mail(Topics.INBOUND, n.envelope().id(), n.envelope(), n.message())));
                later = later.withDelayWarned();
            }
            String why = results.stream().filter(o -> o.kind() == Outcome.Kind.DEFERRED).findFirst()
                    .map(Outcome::detail).orElse("");
            out.addAll(stageOutcomes.defer(later, domain, message, why, now).records());
        }
        if (!failures.isEmpty()) {
            out.addAll(stageOutcomes.bounce(envelope, message, failures, now));
        }
        return sendAll(out);
    }

    /** Every record acknowledged, or the first failure: the offset moves only past what is durable. */
    private Uni<Void> sendAll(List<Message<byte[]>> out) {
        if (out.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Uni<Void>> sends = out.stream().map(outcomes::sendMessage).toList();
        return Uni.join().all(sends).andFailFast().replaceWithVoid();
    }


    private boolean dueForDelayWarning(Envelope envelope, Instant now) {
        return config.delayWarning().isPresent() && !envelope.delayWarned()
                && Duration.between(envelope.receivedAt(), now).compareTo(config.delayWarning().get()) >= 0;
    }
}
