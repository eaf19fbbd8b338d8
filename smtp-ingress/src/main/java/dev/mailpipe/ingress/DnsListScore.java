package dev.mailpipe.ingress;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.mailpipe.runtime.DnsResolvers;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * postscreen's DNSBL test as a connect hook: every list asked about the client at once, under one
 * deadline, the weights of those that list it summed. At the threshold the client is greeted and
 * each of its recipients refused {@code 550 5.7.1} naming the list (postscreen's "enforce", so the
 * log shows whom it wanted); at or below the allowlist threshold it is greeted at once, without the
 * pregreet wait. A score is kept per address for its answers' TTL (within the configured bounds).
 */
final class DnsListScore implements SessionHooks.Connect {
    private static final Logger LOG = Logger.getLogger(DnsListScore.class);
    private static final int TRACKED = 100_000;

    /** A client's score, the list that weighed most in it, and how long the answers said it holds. */
    record Score(int score, String worst, long ttlSeconds) {
    }

    private final Vertx vertx;
    private final DoorConfig config;
    private final List<DnsListSite> sites;
    private final Resolver resolver;
    private final IngressMetrics metrics;
    private final Cache<String, Score> scores;

    DnsListScore(Vertx vertx, DoorConfig config, IngressMetrics metrics) {
        this.vertx = vertx;
        this.config = config;
        this.metrics = metrics;
        this.sites = config.dnsblSites().orElse(List.of()).stream().filter(s -> !s.isBlank()).map(DnsListSite::parse).toList();
        this.resolver = DnsResolvers.of(config.dnsServers().orElse(List.of()), config.dnsblTimeout());
        long min = config.dnsblMinTtl().toSeconds();
        long max = Math.max(min, config.dnsblMaxTtl().toSeconds());
        this.scores = Caffeine.newBuilder().maximumSize(TRACKED).expireAfter(new Expiry<String, Score>() {
            @Override
            public long expireAfterCreate(String key, Score value, long now) {
                return java.util.concurrent.TimeUnit.SECONDS.toNanos(Math.max(min, Math.min(max, value.ttlSeconds())));
            }

            @Override
            public long expireAfterUpdate(String key, Score value, long now, long current) {
                return expireAfterCreate(key, value, now);
            }

            @Override
            public long expireAfterRead(String key, Score value, long now, long current) {
                return current;
            }
        }).build();
    }

    boolean enabled() {
        return !sites.isEmpty();
    }

    @Override
    public Future<HookResult> connect(SessionView session) {
        if (session.relayClient()) {
            return HookResult.NEXT_NOW;
        }
        Score known = scores.getIfPresent(session.clientIp());
        if (known != null) {
            return Future.succeededFuture(verdict(session, known));
        }
        return score(session.clientIp()).map(score -> {
            scores.put(session.clientIp(), score);
            return verdict(session, score);
        });
    }

    private HookResult verdict(SessionView session, Score score) {
        if (score.score() >= config.dnsblThreshold()) {
            LOG.infof("[%s] DNSBL rank %d for [%s], listed by %s", session.sessionId(), score.score(), session.clientIp(),
                    score.worst());
            metrics.doorRefused("dnsbl");
            return HookResult.refuse(Reply.of(550, "5.7.1", "Service unavailable; client [" + session.clientIp()
                    + "] blocked using " + score.worst()));
        }
        if (score.score() <= config.dnsblAllowlistThreshold()) {
            LOG.debugf("[%s] DNSWL rank %d for [%s]: allowlisted", session.sessionId(), score.score(), session.clientIp());
            return HookResult.ACCEPT;
        }
        return HookResult.NEXT;
    }

    /** All lists asked at once; what has not answered when the deadline passes did not list the client. */
    Future<Score> score(String clientIp) {
        InetAddress client;
        try {
            client = InetAddress.getByName(clientIp); // an address literal from the socket: no DNS
        } catch (UnknownHostException e) {
            return Future.succeededFuture(new Score(0, null, 0));
        }
        Promise<Score> done = Promise.promise();
        int[] weights = new int[sites.size()];
        long[] ttls = new long[sites.size()];
        AtomicInteger pending = new AtomicInteger(sites.size());
        Runnable finish = () -> {
            int total = 0;
            String worst = null;
            int heaviest = 0;
            long ttl = Long.MAX_VALUE;
            synchronized (weights) {
                for (int i = 0; i < weights.length; i++) {
                    total += weights[i];
                    if (weights[i] > heaviest) {
                        heaviest = weights[i];
                        worst = sites.get(i).domain();
                    }
                    ttl = Math.min(ttl, ttls[i]);
                }
            }
            done.tryComplete(new Score(total, worst, ttl));
        };
        long deadline = vertx.setTimer(config.dnsblTimeout().toMillis(), t -> finish.run());
        for (int i = 0; i < sites.size(); i++) {
            DnsListSite site = sites.get(i);
            int index = i;
            Message query;
            try {
                query = Message.newQuery(Record.newRecord(Name.fromString(site.query(client)), Type.A, DClass.IN));
            } catch (org.xbill.DNS.TextParseException e) {
                pending.decrementAndGet();
                continue;
            }
            resolver.sendAsync(query).whenComplete((answer, failure) -> {
                synchronized (weights) {
                    ttls[index] = 0;
                    if (failure == null) {
                        listed(site, answer, weights, ttls, index);
                    }
                }
                if (pending.decrementAndGet() == 0) {
                    vertx.cancelTimer(deadline);
                    finish.run();
                }
            });
        }
        if (sites.isEmpty()) {
            vertx.cancelTimer(deadline);
            finish.run();
        }
        return done.future();
    }

    private static void listed(DnsListSite site, Message answer, int[] weights, long[] ttls, int index) {
        if (answer.getRcode() != Rcode.NOERROR) {
            return; // NXDOMAIN: not listed
        }
        long ttl = Long.MAX_VALUE;
        boolean matched = false;
        for (Record r : answer.getSection(Section.ANSWER)) {
            if (r instanceof ARecord a && site.matches(a.getAddress())) {
                matched = true;
                ttl = Math.min(ttl, r.getTTL());
            }
        }
        if (matched) {
            weights[index] = site.weight();
            ttls[index] = ttl;
        }
    }
}
