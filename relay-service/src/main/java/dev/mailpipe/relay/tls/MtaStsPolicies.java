package dev.mailpipe.relay.tls;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.jboss.logging.Logger;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;
import org.xbill.DNS.lookup.LookupSession;
import org.xbill.DNS.lookup.NoSuchDomainException;
import org.xbill.DNS.lookup.NoSuchRRSetException;

/**
 * RFC 8461 discovery, fetch and cache: the TXT record {@code _mta-sts.<domain>} says whether a
 * policy exists and which (its id); the policy comes over HTTPS from {@code mta-sts.<domain>}
 * with its certificate checked (PKIX, the name), no redirect followed. A fetched policy is kept for
 * its max_age and fetched again only when the TXT id changes; while the DNS or the web server fails,
 * a cached policy that is still fresh goes on applying (5.1), else there is none.
 */
public final class MtaStsPolicies {
    private static final Logger LOG = Logger.getLogger(MtaStsPolicies.class);
    /** 3.3: a policy file is small; past this it is refused. */
    private static final int MAX_POLICY = 64 * 1024;

    private final Vertx vertx;
    private final LookupSession dns;
    private final HttpClient https;
    private final int port;
    private final Clock clock;
    private final Cache<String, MtaStsPolicy> cache;
    /** Per destination, what the last check found (empty: no policy), until it is due again. */
    private final Cache<String, java.util.Optional<MtaStsPolicy>> checked;
    private final long fetchTimeout;

    public MtaStsPolicies(Vertx vertx, LookupSession dns, RelayTrust trust, MtaStsConfig config, Clock clock) {
        this.vertx = vertx;
        this.dns = dns;
        this.port = config.port();
        this.clock = clock;
        this.cache = Caffeine.newBuilder().maximumSize(config.cacheSize()).build();
        this.checked = Caffeine.newBuilder().maximumSize(config.cacheSize()).expireAfterWrite(config.recheck()).build();
        this.https = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setVerifyHost(true).setForceSni(true)
                .setTrustOptions(trust.options()).setConnectTimeout((int) config.fetchTimeout().toMillis())
                .setIdleTimeout((int) config.fetchTimeout().toSeconds()).setMaxRedirects(0));
        this.fetchTimeout = config.fetchTimeout().toMillis();
    }

    /** The policy that applies to mail for {@code domain} now; null when there is none. */
    public Future<MtaStsPolicy> policyFor(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        Instant now = clock.instant();
        java.util.Optional<MtaStsPolicy> seen = checked.getIfPresent(d);
        if (seen != null) {
            return Future.succeededFuture(seen.filter(p -> p.fresh(now)).orElse(null));
        }
        return lookUp(d, now).onSuccess(p -> checked.put(d, java.util.Optional.ofNullable(p)));
    }

    private Future<MtaStsPolicy> lookUp(String d, Instant now) {
        MtaStsPolicy cached = cache.getIfPresent(d);
        MtaStsPolicy fresh = cached != null && cached.fresh(now) ? cached : null;
        return txtId(d).compose(id -> {
            if (id == null) {
                return Future.succeededFuture(fresh);
            }
            if (fresh != null && fresh.id().equals(id)) {
                return Future.succeededFuture(fresh);
            }
            return fetch(d, id).map(p -> {
                cache.put(d, p);
                LOG.infof("MTA-STS: %s has policy %s, mode %s, mx %s, for %s", d, id, p.mode().name().toLowerCase(Locale.ROOT),
                        p.mx(), p.maxAge());
                return p;
            }).recover(e -> {
                LOG.warnf("MTA-STS: policy %s of %s not fetched (%s); %s", id, d, e.getMessage(),
                        fresh != null ? "the cached one still applies" : "none applies");
                return Future.succeededFuture(fresh);
            });
        }, e -> {
            LOG.debugf("MTA-STS: no answer for _mta-sts.%s (%s)", d, e.getMessage());
            return Future.succeededFuture(fresh);
        });
    }

    /** 3.1: the id of the one {@code v=STSv1} record, or null when there is none (or more than one). */
    private Future<String> txtId(String domain) {
        if (!domain.matches("[a-z0-9._-]+")) {
            return Future.succeededFuture(null); // an address literal, or no name DNS could hold
        }
        return Future.fromCompletionStage(dns.lookupAsync(Name.fromConstantString("_mta-sts." + domain + "."), Type.TXT))
                .map(result -> {
                    String id = null;
                    int found = 0;
                    for (var r : result.getRecords()) {
                        String txt = String.join("", ((TXTRecord) r).getStrings());
                        if (txt.startsWith("v=STSv1")) {
                            found++;
                            for (String part : txt.split(";")) {
                                String p = part.trim();
                                if (p.startsWith("id=")) {
                                    id = p.substring(3).trim();
                                }
                            }
                        }
                    }
                    return found == 1 && id != null && id.matches("[A-Za-z0-9]{1,32}") ? id : null;
                })
                .recover(e -> e.getCause() instanceof NoSuchDomainException || e.getCause() instanceof NoSuchRRSetException
                        || e instanceof NoSuchDomainException || e instanceof NoSuchRRSetException
                        ? Future.succeededFuture(null) : Future.failedFuture(e));
    }

    /** 3.3: GET the policy, its address from our DNS, its certificate checked for the name. */
    private Future<MtaStsPolicy> fetch(String domain, String id) {
        String host = "mta-sts." + domain;
        return Future.fromCompletionStage(dns.lookupAsync(Name.fromConstantString(host + "."), Type.A))
                .compose(a -> {
                    String ip = ((ARecord) a.getRecords().get(0)).getAddress().getHostAddress();
                    return https.request(new RequestOptions().setMethod(HttpMethod.GET).setHost(host).setPort(port)
                            .setServer(SocketAddress.inetSocketAddress(port, ip)).setURI("/.well-known/mta-sts.txt")
                            .setSsl(true).setFollowRedirects(false).setTimeout(fetchTimeout));
                })
                .compose(req -> req.send())
                .compose(resp -> {
                    if (resp.statusCode() != 200) {
                        return Future.failedFuture(new IllegalStateException("HTTP " + resp.statusCode() + " from " + host));
                    }
                    String type = resp.getHeader("Content-Type");
                    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("text/plain")) {
                        return Future.failedFuture(new IllegalStateException("Content-Type " + type + " is not text/plain"));
                    }
                    return bounded(resp, host);
                })
                .map(body -> MtaStsPolicy.parse(id, body.toString(java.nio.charset.StandardCharsets.UTF_8), clock.instant()));
    }

    /**
     * The body, refused as soon as it passes {@link #MAX_POLICY} (never held whole first) or when it
     * has not all come within the fetch timeout: the request's own timeout is one of idleness, which
     * a server sending a byte now and then never trips.
     */
    private Future<Buffer> bounded(HttpClientResponse resp, String host) {
        io.vertx.core.Promise<Buffer> body = io.vertx.core.Promise.promise();
        Buffer read = Buffer.buffer();
        long timer = vertx.setTimer(fetchTimeout, t -> {
            if (body.tryFail(new IllegalStateException("the policy from " + host + " did not come within " + fetchTimeout + " ms"))) {
                resp.request().reset();
            }
        });
        resp.handler(chunk -> {
            if (read.length() + chunk.length() > MAX_POLICY) {
                if (body.tryFail(new IllegalStateException("a policy of more than " + MAX_POLICY + " octets from " + host))) {
                    resp.request().reset();
                }
            } else {
                read.appendBuffer(chunk);
            }
        });
        resp.exceptionHandler(body::tryFail);
        resp.endHandler(v -> body.tryComplete(read));
        return body.future().onComplete(r -> vertx.cancelTimer(timer));
    }

    /** For tests: what is cached for a domain. */
    public List<MtaStsPolicy> cached() {
        return List.copyOf(cache.asMap().values());
    }
}
