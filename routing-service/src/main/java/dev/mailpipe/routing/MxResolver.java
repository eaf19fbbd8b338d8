package dev.mailpipe.routing;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.mailpipe.model.Route;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.lookup.LookupResult;
import org.xbill.DNS.lookup.LookupSession;
import org.xbill.DNS.lookup.NoSuchDomainException;
import org.xbill.DNS.lookup.NoSuchRRSetException;

/**
 * Finds where mail for a domain goes, per RFC 5321 5.1: MX records ranked by preference (the relay
 * shuffles equal preferences per attempt); no MX means the domain itself is the implicit MX; a null
 * MX (RFC 7505) means the domain takes no mail; each host resolved to its IPv4 and IPv6 addresses (CNAMEs followed), and
 * a host without any skipped. Fully asynchronous: no thread waits on DNS.
 *
 * <p>Whole answers are cached per domain for the shortest TTL among the records behind them; "no
 * such domain" and "no address" for the negative TTL; temporary failures are never cached.
 */
final class MxResolver {
    private final LookupSession dns;
    private final Duration negativeTtl;
    private final AsyncCache<String, Resolution> cache;

    MxResolver(List<String> servers, Duration timeout, long cacheSize, Duration negativeTtl) {
        this.negativeTtl = negativeTtl;
        this.dns = LookupSession.builder().resolver(dev.mailpipe.runtime.DnsResolvers.of(servers, timeout)).clearCaches().build();
        this.cache = Caffeine.newBuilder().maximumSize(cacheSize).recordStats()
                .expireAfter(new Expiry<String, Resolution>() {
                    @Override
                    public long expireAfterCreate(String key, Resolution value, long now) {
                        return value.ttl().toNanos();
                    }

                    @Override
                    public long expireAfterUpdate(String key, Resolution value, long now, long current) {
                        return value.ttl().toNanos();
                    }

                    @Override
                    public long expireAfterRead(String key, Resolution value, long now, long current) {
                        return current;
                    }
                }).buildAsync();
    }

    CompletableFuture<Resolution> resolve(String domain) {
        String key = domain.toLowerCase(Locale.ROOT);
        return cache.get(key, (d, executor) -> lookup(d));
    }

    /** Hit ratio of the route cache since start, for the metrics. */
    double hitRate() {
        return cache.synchronous().stats().hitRate();
    }

    private CompletableFuture<Resolution> lookup(String domain) {
        if (domain.startsWith("[") && domain.endsWith("]")) {
            return CompletableFuture.completedFuture(literal(domain));
        }
        Name name;
        try {
            name = Name.fromString(domain.endsWith(".") ? domain : domain + ".");
        } catch (TextParseException e) {
            return CompletableFuture.completedFuture(new Resolution.Failed("5.1.2", "bad domain name " + domain, negativeTtl));
        }
        return dns.lookupAsync(name, Type.MX).toCompletableFuture()
                .handle((result, error) -> mxStep(domain, result, error))
                .thenCompose(step -> step instanceof Ranked ranked ? addresses(domain, ranked)
                        : CompletableFuture.completedFuture((Resolution) step));
    }

    /** The MX answer turned into either ranked hosts still to resolve, or a final Resolution. */
    private Object mxStep(String domain, LookupResult result, Throwable error) {
        if (error == null) {
            return mxHosts(domain, result);
        }
        Throwable cause = unwrap(error);
        if (cause instanceof NoSuchRRSetException) {
            // RFC 5321 5.1: no MX, so the domain itself is the one host (implicit MX).
            return new Ranked(List.of(new Candidate(domain, 0)), Long.MAX_VALUE, true);
        }
        if (cause instanceof NoSuchDomainException) {
            return new Resolution.Failed("5.1.2", "domain " + domain + " does not exist", negativeTtl);
        }
        return new Resolution.Deferred("MX lookup for " + domain + " failed: " + describe(cause));
    }

    private record Candidate(String host, int preference) {
    }

    /** MX targets in the order to try them, and the shortest TTL seen so far. */
    private record Ranked(List<Candidate> hosts, long ttlSeconds, boolean implicit) {
    }

    private Object mxHosts(String domain, LookupResult result) {
        List<Candidate> hosts = new ArrayList<>();
        long ttl = Long.MAX_VALUE;
        boolean nullMx = false;
        for (Record r : result.getRecords()) {
            if (r instanceof MXRecord mx) {
                ttl = Math.min(ttl, mx.getTTL());
                if (mx.getTarget().equals(Name.root)) {
                    nullMx = true;
                    continue;
                }
                hosts.add(new Candidate(mx.getTarget().toString(true), mx.getPriority()));
            }
        }
        if (nullMx && hosts.isEmpty()) {
            return new Resolution.Failed("5.1.10",
                    "domain " + domain + " does not accept mail (null MX, RFC 7505)", Duration.ofSeconds(ttl));
        }
        if (hosts.isEmpty() && !nullMx) {
            // An empty answer is "no MX" as much as NoSuchRRSet is: the implicit MX applies.
            return new Ranked(List.of(new Candidate(domain, 0)), Long.MAX_VALUE, true);
        }
        return new Ranked(rank(hosts), ttl, false);
    }

    /**
     * By preference, lowest first. Equal preferences are not shuffled here: this answer is cached for
     * its TTL, so the relay draws their order per attempt ({@link Route#attemptOrder}).
     */
    static List<Candidate> rank(List<Candidate> hosts) {
        List<Candidate> ranked = new ArrayList<>(hosts);
        ranked.sort(Comparator.comparingInt(Candidate::preference));
        return ranked;
    }

    private CompletableFuture<Resolution> addresses(String domain, Ranked ranked) {
        List<CompletableFuture<HostAddresses>> lookups = new ArrayList<>();
        for (Candidate c : ranked.hosts()) {
            lookups.add(hostAddresses(c));
        }
        return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<Route.MxHost> mx = new ArrayList<>();
            long ttl = ranked.ttlSeconds();
            List<String> temporary = new ArrayList<>();
            for (CompletableFuture<HostAddresses> f : lookups) {
                HostAddresses h = f.join();
                if (h.temporaryError() != null) {
                    temporary.add(h.temporaryError());
                }
                if (!h.addresses().isEmpty()) {
                    mx.add(new Route.MxHost(h.candidate().host(), h.candidate().preference(), h.addresses()));
                    ttl = Math.min(ttl, h.ttlSeconds());
                }
            }
            if (mx.isEmpty()) {
                if (!temporary.isEmpty()) {
                    return new Resolution.Deferred(String.join("; ", temporary));
                }
                return new Resolution.Failed(ranked.implicit() ? "5.1.2" : "5.4.4",
                        ranked.implicit() ? "domain " + domain + " has no MX and no address"
                                : "no MX host of " + domain + " has an address", negativeTtl);
            }
            Duration life = Duration.ofSeconds(ttl == Long.MAX_VALUE ? negativeTtl.toSeconds() : ttl);
            return new Resolution.Routed(new Route(domain, mx, Instant.now().plus(life)), life);
        });
    }

    private record HostAddresses(Candidate candidate, List<String> addresses, long ttlSeconds, String temporaryError) {
    }

    private CompletableFuture<HostAddresses> hostAddresses(Candidate c) {
        Name name;
        try {
            name = Name.fromString(c.host().endsWith(".") ? c.host() : c.host() + ".");
        } catch (TextParseException e) {
            return CompletableFuture.completedFuture(new HostAddresses(c, List.of(), Long.MAX_VALUE, null));
        }
        var v4 = dns.lookupAsync(name, Type.A).toCompletableFuture().handle(MxResolver::records);
        var v6 = dns.lookupAsync(name, Type.AAAA).toCompletableFuture().handle(MxResolver::records);
        return v4.thenCombine(v6, (a, b) -> {
            List<String> addresses = new ArrayList<>();
            long ttl = Long.MAX_VALUE;
            for (Answer ans : List.of(a, b)) {
                for (Record r : ans.records()) {
                    if (r instanceof ARecord ar) {
                        addresses.add(ar.getAddress().getHostAddress());
                        ttl = Math.min(ttl, r.getTTL());
                    } else if (r instanceof AAAARecord ar) {
                        addresses.add(ar.getAddress().getHostAddress());
                        ttl = Math.min(ttl, r.getTTL());
                    }
                }
            }
            String temporary = a.temporaryError() != null ? a.temporaryError() : b.temporaryError();
            return new HostAddresses(c, addresses, ttl, temporary == null ? null : c.host() + ": " + temporary);
        });
    }

    private record Answer(List<Record> records, String temporaryError) {
    }

    private static Answer records(LookupResult result, Throwable error) {
        if (error == null) {
            return new Answer(result.getRecords(), null);
        }
        Throwable cause = unwrap(error);
        if (cause instanceof NoSuchRRSetException || cause instanceof NoSuchDomainException) {
            return new Answer(List.of(), null);
        }
        return new Answer(List.of(), describe(cause));
    }

    private Resolution literal(String domain) {
        String ip = domain.substring(1, domain.length() - 1);
        if (ip.regionMatches(true, 0, "IPv6:", 0, 5)) {
            ip = ip.substring(5);
        }
        return new Resolution.Routed(new Route(domain, List.of(new Route.MxHost(ip, 0, List.of(ip))), null),
                Duration.ofDays(1));
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String describe(Throwable t) {
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
