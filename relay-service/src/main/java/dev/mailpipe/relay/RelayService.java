package dev.mailpipe.relay;

import dev.mailpipe.model.Bounce;
import dev.mailpipe.model.DestinationAction;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.FailureClass;
import dev.mailpipe.model.MailEvent;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.MalformedEnvelopeException;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.Suppression;
import dev.mailpipe.model.Topics;
import dev.mailpipe.relay.dkim.DkimSigning;
import dev.mailpipe.relay.progress.ClaimedDeliveries;
import dev.mailpipe.relay.smtp.Outcome;
import dev.mailpipe.relay.smtp.OutgoingMessage;
import dev.mailpipe.relay.tls.DaneConfig;
import dev.mailpipe.relay.tls.DaneLookups;
import dev.mailpipe.relay.tls.MtaStsConfig;
import dev.mailpipe.relay.tls.MtaStsPolicies;
import dev.mailpipe.relay.tls.RelayTrust;
import dev.mailpipe.runtime.DestinationActions;
import dev.mailpipe.runtime.RetryScheduleConfig;
import dev.mailpipe.runtime.StageOutcomes;
import dev.mailpipe.runtime.SuppressionList;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/**
 * relay-service's work on one {@code mail.relay} record (keyed by destination site, with the
 * ranked route): the SMTP transaction with the destination's MX hosts ({@link MxWalker}), then the
 * outcome of each recipient: sent (an event), deferred (the next retry tier), bounced (a DSN into
 * {@code mail.notices}). {@link RelayLoop} reads the records and moves their offsets once those
 * outcome records are acknowledged.
 *
 * <p>Reads {@code mail.relay}; writes the retry tiers, bounces and delay notices into
 * {@code mail.notices}, {@code mail.events} and {@code mail.dead-letter}. Trusts: no remote server
 * (each reply is bounded and cleaned, a reply it did not ask for drops the connection), a remote
 * certificate only as its destination's TLS policy says (MTA-STS, DANE, or none).
 */
@ApplicationScoped
public class RelayService {
    static final String STAGE = "relay-service";
    private static final Logger LOG = Logger.getLogger(RelayService.class);

    private final RelayConfig config;
    private final MxWalker walker;
    private final ClaimedDeliveries claimed = new ClaimedDeliveries(ClaimedDeliveries.SIZE, ClaimedDeliveries.KEEP);
    private final MeterRegistry registry;
    private final RetryScheduleConfig retry;
    private final StageOutcomes stageOutcomes;
    private final DkimSigning dkim;
    /** Recipients that bounced as nonexistent: later mail to them bounces here, without a connection. */
    private final SuppressionList suppressions;
    /** The operator's suspensions and bounces of destinations, and the sites held back by their own word. */
    private final DestinationHolds holds;

    RelayService(Vertx vertx, RelayConfig config, RetryScheduleConfig retry, MeterRegistry registry,
            DkimSigning dkim, MtaStsConfig mtaSts, DaneConfig daneConfig,
            @io.smallrye.common.annotation.Identifier("default-kafka-broker") java.util.Map<String, Object> kafka) {
        this.config = config;
        // Both views start reading their topics now, and load while the rest is built.
        this.suppressions = new SuppressionList(kafka);
        DestinationActions actions = new DestinationActions(kafka);
        this.dkim = dkim;
        this.retry = retry;
        this.stageOutcomes = new StageOutcomes(STAGE, config.hostname(), retry);
        this.registry = registry;
        RelayTrust trust = new RelayTrust(config.trustStore());
        MtaStsPolicies policies = mtaSts.enabled() ? new MtaStsPolicies(vertx, org.xbill.DNS.lookup.LookupSession.builder()
                .resolver(dev.mailpipe.runtime.DnsResolvers.of(config.dnsServers().orElse(List.of()), config.dnsTimeout()))
                .cache(new org.xbill.DNS.Cache(org.xbill.DNS.DClass.IN)).build(), trust, mtaSts, java.time.Clock.systemUTC()) : null;
        DaneLookups dane = daneConfig.enabled() ? new DaneLookups(
                dev.mailpipe.runtime.DnsResolvers.of(config.dnsServers().orElse(List.of()), config.dnsTimeout()), daneConfig, config.port())
                : null;
        this.walker = new MxWalker(vertx, config, trust, policies, dane, registry);
        this.holds = new DestinationHolds(actions, walker);
        registry.gauge("mailpipe.relay.sites.dead", walker, MxWalker::deadSites);
        MultiGauge windows = MultiGauge.builder("mailpipe.relay.site.window")
                .description("transfers at once allowed to a destination site (its MX hosts), as learned").register(registry);
        vertx.setPeriodic(WINDOW_METRICS_EVERY.toMillis(), t -> windows.register(walker.siteWindows().entrySet().stream()
                .map(e -> MultiGauge.Row.of(Tags.of("site", e.getKey()), e.getValue())).toList(), true));
    }

    /**
     * Whether the operator's holds ({@code mail.destinations}) and the suppressions have been read
     * to the end offsets they had when the relay started, waiting up to {@code timeout} for each.
     * The loop asks before it takes a record: relaying before they are known would send the first
     * messages after a start where they forbid it.
     */
    boolean viewsLoaded(Duration timeout) throws InterruptedException {
        return holds.awaitLoaded(timeout) && suppressions.awaitLoaded(timeout);
    }

    /** What holds mail to {@code domain} on {@code site} here now, as this replica reads {@code mail.destinations}. */
    Optional<DestinationAction> holding(String domain, String site) {
        return holds.holding(domain, site, Instant.now());
    }

    private static final Duration WINDOW_METRICS_EVERY = Duration.ofSeconds(10);

    @jakarta.annotation.PreDestroy
    void close() throws InterruptedException {
        suppressions.close();
        holds.close();
    }

    /**
     * Relays one record; completes once its outcomes are durable. Returns at once: the delivery
     * runs on the connections' event loops, and a slow or silent MX holds only its own site's
     * window ({@link SiteLimiter}). Fails only for what the relay did not foresee, or when the
     * outcomes could not be written; a copy of the record read again may then be sent again.
     */
    CompletionStage<Void> relay(ConsumerRecord<String, byte[]> record, RelayOutput out) {
        Envelope envelope;
        try {
            envelope = MailRecords.envelope(record);
        } catch (MalformedEnvelopeException e) {
            return out.durable(deadLetter(record, e.getMessage()));
        }
        Envelope env = envelope;
        // Keyed by site; the domain is the route's (a record from before site keys has it as its key).
        String domain = env.route().map(dev.mailpipe.model.Route::domain).orElse(record.key());
        if (!claimed.claim(env, domain)) {
            LOG.infof("%s for %s (attempt %d) is already being or was relayed by this replica; not sent again",
                    env.id(), domain, env.attempt());
            registry.counter("mailpipe.relay.duplicates.skipped").increment();
            return CompletableFuture.completedFuture(null);
        }
        OutgoingMessage outgoing = new OutgoingMessage(env, record.value(), dkim);
        String site = env.route().map(dev.mailpipe.model.Route::site).orElse(null);
        var action = holds.holding(domain, site, Instant.now());
        if (action.isPresent()) {
            // The list's word (the operator's, or a site's suspension by its own reply): no connection at all.
            List<Outcome> ordered = byOperator(env, action.get());
            return out.durable(outcomes(env, domain, record.value(), null, ordered)).whenComplete((done, failure) -> {
                if (failure != null) {
                    claimed.release(env, domain);
                }
            });
        }
        List<Outcome> suppressed = suppressed(env);
        io.vertx.core.Future<List<Outcome>> delivered = suppressed.size() == env.recipients().size()
                ? io.vertx.core.Future.succeededFuture(List.of())
                : walker.deliver(suppressed.isEmpty() ? env : env.withRecipients(env.recipients().stream()
                        .filter(r -> suppressed.stream().noneMatch(o -> o.recipient().equals(r))).toList()), outgoing);
        return delivered.toCompletionStage()
                .thenCompose(results -> {
                    // The site's own words only (a suppression's stored diagnostic is not a reply).
                    var throttled = site == null ? java.util.Optional.<MxWalker.Throttled>empty() : walker.throttleOnItsWord(site, results);
                    List<ProducerRecord<String, byte[]>> records = outcomes(env, domain, record.value(), outgoing.signatures(),
                            suppressed.isEmpty() ? results : concat(suppressed, results));
                    throttled.ifPresent(t -> records.addAll(held(env, t)));
                    return out.durable(records);
                })
                .whenComplete((done, failure) -> {
                    if (failure != null) {
                        claimed.release(env, domain);
                    }
                });
    }

    /**
     * What the action on the destination makes of every recipient: deferred (suspended, by the
     * operator or by the site's own word) or bounced.
     */
    private List<Outcome> byOperator(Envelope envelope, DestinationAction a) {
        boolean bounce = a.kind() == DestinationAction.Kind.BOUNCE;
        String reason = dev.mailpipe.model.PeerText.oneLine(a.reason());
        String detail = a.bySite() ? "x-mailpipe; site " + a.destination() + " suspended until " + a.until() + " after " + reason
                : "x-mailpipe; " + a.destination() + (bounce ? " bounced" : " suspended") + " by the operator until " + a.until()
                        + (reason.isEmpty() ? "" : ": " + reason);
        registry.counter(a.bySite() ? "mailpipe.relay.held.by.site" : "mailpipe.relay.by.operator", "action",
                bounce ? "bounce" : "suspend").increment(envelope.recipients().size());
        return envelope.recipients().stream().map(r -> new Outcome(r, bounce ? Outcome.Kind.BOUNCED : Outcome.Kind.DEFERRED,
                bounce ? "5.0.0" : "4.4.5", detail, null)).toList();
    }

    /**
     * A site suspended or slowed by its own word, as news: an entry in {@code mail.destinations}
     * (so {@code ./mailpipe status} and {@code destination list} show it, every replica honours it,
     * and {@code destination resume} lifts it) and a {@code throttled} event for the message whose
     * delivery drew the reply.
     */
    private List<ProducerRecord<String, byte[]>> held(Envelope envelope, MxWalker.Throttled t) {
        Instant now = Instant.now();
        boolean suspend = t.throttle().action() == dev.mailpipe.relay.shaping.Shaping.Throttle.Action.SUSPEND;
        DestinationAction entry = new DestinationAction(t.site(), suspend ? DestinationAction.Kind.SUSPEND : DestinationAction.Kind.SLOW,
                "its reply " + t.reply(), now, now.plus(t.throttle().duration()), DestinationAction.BY_SITE,
                suspend ? 1 : t.throttle().factor());
        holds.publish(entry, now);
        String what = suspend ? "suspended" : "slowed to " + t.throttle().factor() + " of its rate";
        MailEvent event = MailEvent.of(envelope.id(), STAGE, "throttled", null,
                "site " + t.site() + " " + what + " until " + entry.until() + " after its reply: " + t.reply())
                .with("site", t.site()).with("action", suspend ? "suspend" : "slow")
                .with("until", entry.until().toString()).with("reply", t.reply());
        return List.of(DestinationActions.record(entry), (suspend ? event : event.with("factor", entry.factor())).toRecord());
    }

    /** A bounce for each recipient whose suppression is in force: no connection is made for them. */
    private List<Outcome> suppressed(Envelope envelope) {
        Instant now = Instant.now();
        List<Outcome> out = new ArrayList<>();
        for (Recipient r : envelope.recipients()) {
            suppressions.of(r.address(), now).ifPresent(s -> out.add(new Outcome(r, Outcome.Kind.BOUNCED, s.status().isEmpty() ? "5.1.1"
                    : s.status(), "x-mailpipe; suppressed until " + s.until() + ": it bounced at " + s.at() + " with: " + s.diagnostic(),
                    null)));
        }
        if (!out.isEmpty()) {
            registry.counter("mailpipe.relay.suppressed").increment(out.size());
        }
        return out;
    }

    private static List<Outcome> concat(List<Outcome> a, List<Outcome> b) {
        List<Outcome> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /**
     * A recipient a remote server refused as nonexistent is suppressed for {@code suppression-time};
     * the record goes out with the bounce, and counts here at once.
     */
    private void suppress(List<ProducerRecord<String, byte[]>> out, Outcome o, Instant now) {
        if (config.suppressionTime().isZero() || o.remoteMta() == null
                || FailureClass.of(o.status(), o.detail()) != FailureClass.INVALID_RECIPIENT) {
            return;
        }
        // The remote's words, on one line and bounded: a reply may run to a hundred lines.
        String said = dev.mailpipe.model.PeerText.oneLine(o.detail());
        Suppression s = new Suppression(o.recipient().address(), o.status(), said.length() > 500 ? said.substring(0, 500) : said,
                o.remoteMta(), now, now.plus(config.suppressionTime()));
        suppressions.note(s);
        out.add(SuppressionList.record(s));
        LOG.infof("suppressing <%s> until %s: %s", s.address(), s.until(), s.diagnostic());
    }

    /** The record, with why, for the dead-letter topic. */
    List<ProducerRecord<String, byte[]>> deadLetter(ConsumerRecord<String, byte[]> record, String reason) {
        return stageOutcomes.deadLetter(record, reason);
    }

    /** What records the delivery's outcome: events, retry records, the DSN. */
    private List<ProducerRecord<String, byte[]>> outcomes(Envelope envelope, String domain, byte[] message,
            String dkimSignatures, List<Outcome> results) {
        Instant now = Instant.now();
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
        List<Recipient> deferred = new ArrayList<>();
        List<Bounce.Failure> failures = new ArrayList<>();
        boolean expired = retry.expired(envelope.receivedAt(), now);
        for (Outcome o : results) {
            String rcpt = o.recipient().address();
            switch (o.kind()) {
                case SENT -> {
                    MailEvent relayed = MailEvent.of(envelope.id(), STAGE, "relayed", rcpt, o.detail())
                            .with("remoteHost", o.remoteMta()).with("reply", o.detail()).with("tls", o.tls());
                    out.add((dkimSignatures == null ? relayed : relayed.with("dkim", dkimSignatures)).toRecord());
                    // Concatenated, not formatted: a line per recipient, and String.format's parse is dear.
                    LOG.info("relayed " + envelope.id() + " to <" + rcpt + "> via " + o.remoteMta() + ": " + o.detail());
                }
                case BOUNCED -> {
                    failures.add(new Bounce.Failure(o.recipient(), o.status(), o.detail(), o.remoteMta()));
                    suppress(out, o, now);
                }
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
            if (o.kind() != Outcome.Kind.SENT) {
                registry.counter("mailpipe.relay.failures", "kind", o.kind().name().toLowerCase(), "class",
                        FailureClass.of(o.status(), o.detail()).label(), "provider", provider(envelope)).increment();
            }
        }
        if (!deferred.isEmpty()) {
            Envelope later = envelope.withRecipients(deferred);
            if (dueForDelayWarning(envelope, now)) {
                List<Bounce.Failure> delays = results.stream().filter(o -> o.kind() == Outcome.Kind.DEFERRED)
                        .map(o -> new Bounce.Failure(o.recipient(), o.status(), o.detail(), o.remoteMta())).toList();
                Bounce.delayed(envelope, message, delays, config.hostname(), now).ifPresent(
                        n -> out.add(MailRecords.record(Topics.NOTICES, n.envelope().id(), n.envelope(), n.message())));
                later = later.withDelayWarned();
            }
            String why = results.stream().filter(o -> o.kind() == Outcome.Kind.DEFERRED).findFirst()
                    .map(Outcome::detail).orElse("");
            out.addAll(stageOutcomes.defer(later, domain, message, why, now).records());
        }
        if (!failures.isEmpty()) {
            out.addAll(stageOutcomes.bounce(envelope, message, failures, now));
        }
        return out;
    }

    /**
     * The provider a route leads to, for metrics: the organizational domain of its most preferred MX
     * host ({@code google.com} for gmail.com and every domain Google hosts), so the labels stay few.
     */
    private static String provider(Envelope envelope) {
        return envelope.route().flatMap(r -> r.mx().stream().findFirst())
                .map(mx -> dev.mailpipe.auth.OrganizationalDomain.of(mx.host()))
                .orElse("none");
    }

    private boolean dueForDelayWarning(Envelope envelope, Instant now) {
        return config.delayWarning().isPresent() && !envelope.delayWarned()
                && Duration.between(envelope.receivedAt(), now).compareTo(config.delayWarning().get()) >= 0;
    }
}
