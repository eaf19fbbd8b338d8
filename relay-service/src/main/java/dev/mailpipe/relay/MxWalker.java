package dev.mailpipe.relay;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.Route;
import dev.mailpipe.relay.shaping.Shaping;
import dev.mailpipe.relay.smtp.Deadline;
import dev.mailpipe.relay.smtp.Outcome;
import dev.mailpipe.relay.smtp.OutgoingMessage;
import dev.mailpipe.relay.smtp.RemoteSession;
import dev.mailpipe.relay.smtp.SmtpConnection;
import dev.mailpipe.relay.tls.DaneLookups;
import dev.mailpipe.relay.tls.DaneTrust;
import dev.mailpipe.relay.tls.MtaStsPolicies;
import dev.mailpipe.relay.tls.MtaStsPolicy;
import dev.mailpipe.relay.tls.RelayTrust;
import dev.mailpipe.relay.tls.TlsPlanner;
import dev.mailpipe.relay.tls.TlsPlanner.Target;
import dev.mailpipe.relay.tls.TlsRule;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.jboss.logging.Logger;

/**
 * Walks a route: its MX hosts in rank order (equal preferences drawn anew for each attempt, an idle
 * pooled session among them first) and each host's addresses in turn, until one server gives
 * a real answer for the recipients. A refused or timed-out connection, a 4xx or 5xx greeting, or a
 * 421 moves on to the next address ("if that server is busy or down, roll over to the next one").
 * When every address fails, each recipient is deferred with the last reason. Which addresses, and
 * the TLS each gets, is the {@link TlsPlanner}'s; open sessions are reused from the
 * {@link ConnectionPool}; the {@link SiteLimiter} caps concurrency per site.
 */
final class MxWalker {
    private static final Logger LOG = Logger.getLogger(MxWalker.class);

    private final Vertx vertx;
    private final RelayConfig config;
    private final NetClient client;
    private final ConnectionPool pool;
    private final SiteLimiter limiter;
    private final Shaping shaping;
    private static final java.time.Duration RATE_TICK = java.time.Duration.ofMillis(100);
    /** Which addresses, in which order, with which TLS. */
    private final TlsPlanner planner;
    /** For policies that check certificates (MTA-STS): the trust store's CAs and the MX host's name. */
    private final NetClient verifying;
    /** Null where no MTA-STS policy is looked for. */
    private final MtaStsPolicies sts;
    /** Null where DANE is off. */
    private final DaneLookups dane;
    /** For hosts with usable TLSA records: the certificate checked against them. */
    private final DaneTrust daneTrust;
    private final NetClient daneClient;

    private final io.micrometer.core.instrument.MeterRegistry registry;

    MxWalker(Vertx vertx, RelayConfig config) {
        this(vertx, config, new RelayTrust(java.util.Optional.empty()), null, null,
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    MxWalker(Vertx vertx, RelayConfig config, RelayTrust trust, MtaStsPolicies sts, DaneLookups dane,
            io.micrometer.core.instrument.MeterRegistry registry) {
        this.vertx = vertx;
        this.config = config;
        this.sts = sts;
        this.dane = dane;
        this.daneTrust = new DaneTrust(java.time.Duration.ofMinutes(10));
        // DANE-EE authenticates the key, not a name: DaneTrust does every check, the JDK none.
        this.daneClient = vertx.createNetClient(new NetClientOptions()
                .setConnectTimeout((int) config.connectTimeout().toMillis())
                .setTcpNoDelay(true)
                .setTrustOptions(daneTrust.options())
                .setHostnameVerificationAlgorithm(""));
        this.registry = registry;
        // Opportunistic TLS authenticates nobody: the certificate is not checked (RFC 7435).
        this.client = vertx.createNetClient(new NetClientOptions()
                .setConnectTimeout((int) config.connectTimeout().toMillis())
                .setTcpNoDelay(true)
                .setTrustAll(true)
                .setHostnameVerificationAlgorithm(""));
        this.verifying = vertx.createNetClient(new NetClientOptions()
                .setConnectTimeout((int) config.connectTimeout().toMillis())
                .setTcpNoDelay(true)
                .setTrustOptions(trust.options())
                .setHostnameVerificationAlgorithm("HTTPS"));
        this.pool = new ConnectionPool(vertx, config.idleConnectionTimeout(), config.maxMessagesPerConnection());
        this.shaping = shaping(config);
        this.limiter = new SiteLimiter(config.initialConnectionsPerSite(), config.maxConnectionsPerSite(),
                config.maxConnections(), config.siteMaxWaiting(), config.deadSiteBackoff(), System::currentTimeMillis, shaping,
                pool::idleCount);
        // Rates refill with time: the waiting sites are looked at again even when nothing ends.
        vertx.setPeriodic(RATE_TICK.toMillis(), t -> limiter.tick());
        this.planner = new TlsPlanner(config.tlsRequiredDomains().orElse(List.of()));
    }

    Future<List<Outcome>> deliver(Envelope envelope, OutgoingMessage message) {
        Route route = envelope.route().orElse(null);
        if (route == null) {
            return deliver(envelope, message, null, null, DaneLookups.RouteDane.NONE);
        }
        Future<MtaStsPolicy> policy = sts == null ? Future.succeededFuture() : sts.policyFor(route.domain());
        Future<DaneLookups.RouteDane> tlsa = dane == null ? Future.succeededFuture(DaneLookups.RouteDane.NONE) : dane.lookUp(route);
        return Future.all(policy, tlsa).compose(both -> deliver(envelope, message, route, policy.result(), tlsa.result()));
    }

    private Future<List<Outcome>> deliver(Envelope envelope, OutgoingMessage message, Route route, MtaStsPolicy policy,
            DaneLookups.RouteDane tlsa) {
        if (tlsa.failure() != null) {
            // The MX records' signatures did not check out: which hosts to use, and whether their
            // TLSA records matter, is not known (RFC 7672 2.2.1). Later, DNS may answer.
            LOG.warnf("%s: %s; deferred", envelope.id(), tlsa.failure());
            return Future.succeededFuture(deferAll(envelope, "4.4.3", "x-mailpipe; " + tlsa.failure()));
        }
        if (route == null) {
            return Future.succeededFuture(deferAll(envelope, "4.4.1", "x-mailpipe; no MX host reachable: no route"));
        }
        TlsPlanner.Plan plan = planner.plan(route, route.attemptOrder(ThreadLocalRandom.current()), policy, tlsa);
        plan.daneExpected().forEach(daneTrust::expect);
        List<Target> targets = new ArrayList<>(plan.targets());
        preferPooled(targets);
        if (!plan.stsRefused().isEmpty()) {
            LOG.warnf("%s: MTA-STS %s policy of %s names %s, not %s%s", envelope.id(), policy.mode().name().toLowerCase(Locale.ROOT),
                    route.domain(), policy.mx(), plan.stsRefused(), policy.mode() == MtaStsPolicy.Mode.ENFORCE ? ": not used"
                            : " (testing: used)");
        }
        if (!plan.daneRefused().isEmpty()) {
            LOG.warnf("%s: DANE: not using %s", envelope.id(), plan.daneRefused());
        }
        boolean policyLeftNone = plan.policyLeftNone();
        String lastError = plan.noTargetReason();
        String policyName = plan.policyName();
        // The budget starts with the slot: waiting for one is not the server's doing.
        // The route's site, as mail.relay is keyed: the window for it is this replica's alone.
        String site = route.site();
        return slot(site, route.domain(), envelope.hasNullSender()).compose(slot ->
                attempt(envelope, message, targets, 0, lastError, policyLeftNone, Deadline.after(config.timeout().delivery()))
                        .onComplete(done -> slot.release(feedback(done))))
                .recover(e -> e instanceof SiteLimiter.Unavailable u
                        ? Future.succeededFuture(deferAll(envelope, u.status(), "x-mailpipe; " + u.getMessage()))
                        : Future.failedFuture(e))
                .onSuccess(outcomes -> {
                    if (!policyName.equals(TlsRule.OPPORTUNISTIC.name())) {
                        // What each policy's deliveries came to: a rise of deferred under enforce or
                        // DANE is a destination whose TLS no longer matches what it publishes.
                        outcomes.forEach(o -> registry.counter("mailpipe.relay.tls.policy.recipients", "policy", policyName,
                                "outcome", o.kind().name().toLowerCase(Locale.ROOT)).increment());
                    }
                });
    }

    /** A site held back by its own word: which throttle, and its reply as quoted (one short line). */
    record Throttled(String site, Shaping.Throttle throttle, String reply) {
    }

    /**
     * The first reply of a failed delivery that a throttle of the shaping file matches suspends or
     * slows the site; what is returned is news (the site was not held so already), for the events
     * and the shared list of held destinations.
     */
    java.util.Optional<Throttled> throttleOnItsWord(String site, List<Outcome> outcomes) {
        for (Outcome o : outcomes) {
            if (o.kind() != Outcome.Kind.SENT) {
                var throttle = shaping.throttleFor(o.detail());
                if (throttle.isPresent()) {
                    boolean fresh = limiter.throttle(site, throttle.get(), o.detail());
                    registry.counter("mailpipe.relay.site.throttled", "action",
                            throttle.get().action().name().toLowerCase(Locale.ROOT)).increment();
                    return fresh ? java.util.Optional.of(new Throttled(site, throttle.get(), SiteLimiter.said(o.detail())))
                            : java.util.Optional.empty();
                }
            }
        }
        return java.util.Optional.empty();
    }

    /** Whether {@code site} is suspended now by its own word on this replica. */
    boolean suspendedByItsWord(String site) {
        return limiter.suspendedByItsWord(site);
    }

    /** The operator resumed {@code site}: what it asked for ends here too. */
    void lift(String site) {
        limiter.lift(site);
    }

    /** Another replica's site slowed down by its word, now this one's to pace. */
    void slowAsShared(String site, double factor, java.time.Instant until) {
        limiter.slowAsShared(site, factor, until.toEpochMilli());
    }

    private static Shaping shaping(RelayConfig config) {
        if (config.shapingFile().isEmpty()) {
            return Shaping.NONE;
        }
        try {
            return Shaping.read(config.shapingFile().get());
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new IllegalStateException("mailpipe.relay.shaping-file: " + e.getMessage(), e);
        }
    }

    /** A slot in {@code site}'s window, given up after {@code site-wait}: mail waits in the retry tiers, not here. */
    private Future<SiteLimiter.Slot> slot(String site, String domain, boolean notice) {
        Future<SiteLimiter.Slot> slot = limiter.acquire(site, domain, notice);
        if (!slot.isComplete()) {
            long wait = config.siteWait().toMillis();
            long timer = vertx.setTimer(wait, t -> limiter.abandon(site, slot,
                    "no connection to site " + site + " free within " + config.siteWait().toSeconds() + " s"));
            slot.onComplete(done -> vertx.cancelTimer(timer));
        }
        return slot;
    }

    /** What a delivery tells its site's window: a real answer, a deferral by a server, or no server answering. */
    private static SiteLimiter.Feedback feedback(io.vertx.core.AsyncResult<List<Outcome>> done) {
        if (done.failed()) {
            return SiteLimiter.Feedback.DEFERRED;
        }
        List<Outcome> outcomes = done.result();
        if (outcomes.stream().noneMatch(o -> o.kind() == Outcome.Kind.DEFERRED)) {
            return SiteLimiter.Feedback.ANSWERED;
        }
        // Deferred by this relay after every address failed: no server said a word about the mail.
        return outcomes.stream().allMatch(o -> o.kind() == Outcome.Kind.DEFERRED && o.remoteMta() == null)
                ? SiteLimiter.Feedback.UNREACHABLE : SiteLimiter.Feedback.DEFERRED;
    }

    private static List<Outcome> deferAll(Envelope envelope, String status, String detail) {
        List<Outcome> deferred = new ArrayList<>();
        for (Recipient r : envelope.recipients()) {
            deferred.add(new Outcome(r, Outcome.Kind.DEFERRED, status, detail, null));
        }
        return deferred;
    }

    /** Each site's current concurrency window (for metrics). */
    java.util.Map<String, Double> siteWindows() {
        return limiter.windows();
    }

    /** Sites dead now (for metrics). */
    int deadSites() {
        return limiter.deadSites();
    }

    /** Open sessions waiting for reuse (for metrics and tests). */
    int idleConnections() {
        return pool.idleCount();
    }

    /**
     * An idle pooled session to any host of the most preferred group goes first: reuse saves a TCP
     * and TLS handshake, and the draw still spreads the new connections over the equal hosts.
     */
    private void preferPooled(List<Target> targets) {
        if (!config.reuseConnections() || targets.isEmpty()) {
            return;
        }
        int best = targets.get(0).preference();
        for (int i = 1; i < targets.size() && targets.get(i).preference() == best; i++) {
            if (pool.hasIdle(key(targets.get(i), targets.get(i).tls()))) {
                targets.add(0, targets.remove(i));
                return;
            }
        }
    }

    private Future<List<Outcome>> attempt(Envelope envelope, OutgoingMessage message, List<Target> targets, int i,
            String lastError, boolean policyLeftNone, Deadline deadline) {
        if (i == targets.size() || deadline.passed()) {
            String why = i == targets.size() ? "no MX host reachable: " + lastError
                    : "delivery time budget of " + deadline.budget() + " used up: " + lastError;
            // 4.7.5 where a TLS policy (MTA-STS, DANE, tls-required-domains) is what stopped the
            // mail: no usable host, or the last tried would only take TLS it could not have.
            boolean tlsPolicy = policyLeftNone || i > 0 && targets.get(i - 1).tls().session() == RemoteSession.TlsPolicy.REQUIRE;
            return Future.succeededFuture(deferAll(envelope, tlsPolicy ? "4.7.5" : "4.4.1", "x-mailpipe; " + why));
        }
        Target t = targets.get(i);
        TlsRule tls = t.tls();
        String where = t.host() + "[" + t.address() + "]:" + config.port();
        return transaction(t, tls, deadline, envelope, message)
                .map(sent -> {
                    if (config.reuseConnections()) {
                        String site = envelope.route().map(r -> r.site()).orElse("");
                        Integer perConnection = shaping.site(site).messagesPerConnection();
                        pool.give(key(t, tls), sent.session(), perConnection == null ? Integer.MAX_VALUE : perConnection, site);
                    } else {
                        sent.session().quit();
                    }
                    return sent.result().withTls(tlsOf(tls, sent.session()));
                })
                .recover(e -> {
                    if (e instanceof RemoteSession.TlsUnavailable && tls.testing()) {
                        // RFC 8461 5: a testing policy only reports; the mail goes on as it would without it.
                        LOG.warnf("%s: MTA-STS testing: %s would be refused under enforce: %s; sending without the check",
                                envelope.id(), where, e.getMessage());
                        return session(t, TlsRule.OPPORTUNISTIC, deadline).compose(s -> s.send(envelope, message)
                                .map(r -> r.withTls(tls.name() + " check failed, " + tlsOf(TlsRule.OPPORTUNISTIC, s)))
                                .onComplete(r -> s.quit()));
                    }
                    if (e instanceof RemoteSession.TlsUnavailable && tls == TlsRule.OPPORTUNISTIC) {
                        // Opportunistic TLS that fails falls back to plain text on the same server.
                        LOG.infof("%s: %s; retrying without TLS", envelope.id(), e.getMessage());
                        return session(t, TlsRule.PLAIN, deadline).compose(s -> s.send(envelope, message)
                                .map(r -> r.withTls("plain after a failed handshake")).onComplete(r -> s.quit()));
                    }
                    return Future.failedFuture(e);
                })
                .recover(e -> Future.succeededFuture(RemoteSession.Result.next(where + ": " + e.getMessage())))
                .compose(result -> {
                    if (result.tryNextBecause() == null) {
                        return Future.succeededFuture(result.outcomes());
                    }
                    LOG.infof("%s: %s; trying the next address", envelope.id(), result.tryNextBecause());
                    return attempt(envelope, message, targets, i + 1, result.tryNextBecause(), false, deadline);
                });
    }

    /** A transaction's result and the session that carried it. */
    private record Sent(RemoteSession session, RemoteSession.Result result) {
    }

    /**
     * One transaction with {@code t}: on a pooled session, or a new connection when there is none
     * or the pooled one proves stale at the RSET that leads the transaction (nothing was sent on it).
     * A session that failed is closed.
     */
    private Future<Sent> transaction(Target t, TlsRule tls, Deadline deadline, Envelope envelope, OutgoingMessage message) {
        return session(t, tls, deadline).compose(s -> s.send(envelope, message).map(r -> new Sent(s, r)).recover(e -> {
            s.close();
            if (!(e instanceof RemoteSession.Stale)) {
                return Future.failedFuture(e);
            }
            LOG.debugf("%s: pooled connection to %s went stale (%s); opening a new one", envelope.id(), t.address(),
                    e.getMessage());
            return connect(t, tls, deadline).compose(fresh -> fresh.send(envelope, message).map(r -> new Sent(fresh, r))
                    .onFailure(x -> fresh.close()));
        }));
    }

    /** For the event: the policy, or that the session had no TLS. */
    private static String tlsOf(TlsRule rule, RemoteSession s) {
        return s.tls() ? rule.name() : "plain";
    }

    /**
     * A pooled session that answers RSET (or owes one it sends with the next transaction), or a new
     * connection through greeting, EHLO and STARTTLS.
     */
    private Future<RemoteSession> session(Target t, TlsRule tls, Deadline deadline) {
        RemoteSession pooled = config.reuseConnections() && tls != TlsRule.PLAIN ? pool.take(key(t, tls)) : null;
        if (pooled != null && (tls.session() != RemoteSession.TlsPolicy.REQUIRE || pooled.tls())) {
            pooled.within(deadline);
            return pooled.reset().compose(ok -> {
                if (ok) {
                    return Future.succeededFuture(pooled);
                }
                pooled.close();
                return connect(t, tls, deadline);
            });
        }
        if (pooled != null) {
            pooled.quit();
        }
        return connect(t, tls, deadline);
    }

    private Future<RemoteSession> connect(Target t, TlsRule tls, Deadline deadline) {
        NetClient with = switch (tls.check()) {
            case NONE -> client;
            case PKIX -> verifying;
            case DANE -> daneClient;
        };
        return SmtpConnection.connect(vertx, with, config.port(), t.address(),
                        config.maxReplyLineLength(), config.maxReplyLines())
                .compose(conn -> RemoteSession.open(conn, config.timeout(), config.hostname(), t.host(), tls.session(), deadline));
    }

    /**
     * Sessions whose certificate was checked are pooled apart, each way of checking by itself and
     * each MX name by itself: an unchecked one never serves a policy that checks, and a certificate
     * checked for one name (or against its TLSA records) never carries mail for another name that
     * shares its address.
     */
    private String key(Target t, TlsRule tls) {
        return t.address() + ":" + config.port() + (tls.verify()
                ? "/" + tls.check().name().toLowerCase(Locale.ROOT) + "/" + t.host().toLowerCase(Locale.ROOT) : "");
    }
}
