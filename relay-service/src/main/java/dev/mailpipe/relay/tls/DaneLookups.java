package dev.mailpipe.relay.tls;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.mailpipe.model.Route;
import io.vertx.core.Future;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jboss.logging.Logger;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.TLSARecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;
import org.xbill.DNS.dnssec.ValidatingResolver;

/**
 * What DANE (RFC 7672 2.2) says about a destination, from DNS answers that dnsjava's
 * {@link ValidatingResolver} checked from the trust anchors down: DANE applies only where the
 * domain's MX records are secure; then each MX host's TLSA records ({@code _<port>._tcp.<host>}),
 * when secure, say how its certificate is checked. A host whose TLSA lookup fails while its zone is
 * signed cannot be used (an attacker could be hiding the records); an insecure zone has no DANE.
 * Answers are kept for {@code recheck}, as MTA-STS's are.
 */
public final class DaneLookups {
    private static final Logger LOG = Logger.getLogger(DaneLookups.class);

    /** What one MX host's TLSA records require. */
    enum Kind {
        /** No secure TLSA records: the destination's other policy applies. */
        NONE,
        /** Usable records: TLS whose certificate they match, or no delivery to this host. */
        AUTHENTICATE,
        /** Secure records, none usable for SMTP (RFC 7672 2.2): TLS required, certificate not checked. */
        MANDATORY_TLS,
        /** The lookup failed in a signed zone: the host is not used. */
        FAILED
    }

    record HostDane(Kind kind, List<Tlsa> records, String reason) {
        public static final HostDane NONE = new HostDane(Kind.NONE, List.of(), "");
    }

    /** A destination's verdict: {@code failure} when its MX records could not be validated, else each host's. */
    public record RouteDane(String failure, Map<String, HostDane> hosts) {
        public static final RouteDane NONE = new RouteDane(null, Map.of());

        HostDane host(String name) {
            return hosts.getOrDefault(name.toLowerCase(Locale.ROOT), HostDane.NONE);
        }

        boolean applies() {
            return hosts.values().stream().anyMatch(h -> h.kind() != Kind.NONE);
        }
    }

    private enum Security { SECURE, INSECURE, FAILED }

    private record Answer(Security security, List<Record> records, String why) {
    }

    private final ValidatingResolver resolver;
    private final int port;
    private static final String SECURE_MX = "secure";
    private static final String INSECURE_MX = "insecure";
    /** Per destination, what its MX records are (see {@link #mxRecords}). */
    private final Cache<String, String> domains;
    private final Cache<String, HostDane> hosts;

    public DaneLookups(Resolver upstream, DaneConfig config, int port) {
        this.resolver = new ValidatingResolver(upstream);
        this.resolver.setAddReasonToAdditional(true);
        this.port = port;
        try (InputStream anchors = config.trustAnchors().isPresent() ? Files.newInputStream(config.trustAnchors().get())
                : DaneLookups.class.getResourceAsStream("/dane/root-anchors.txt")) {
            resolver.loadTrustAnchors(anchors);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the DNSSEC trust anchors " + config.trustAnchors().orElse(null), e);
        }
        LOG.infof("DANE: TLSA records of MX hosts looked up and validated from %s", trustAnchors());
        this.domains = Caffeine.newBuilder().maximumSize(config.cacheSize()).expireAfterWrite(config.recheck()).build();
        this.hosts = Caffeine.newBuilder().maximumSize(config.cacheSize()).expireAfterWrite(config.recheck()).build();
    }

    /** The trust anchors validation starts from, as text (for tests and the start-up log). */
    public List<String> trustAnchors() {
        return resolver.getTrustAnchors().items().stream().flatMap(set -> set.rrs().stream()).map(Record::toString).toList();
    }

    public Future<RouteDane> lookUp(Route route) {
        String domain = route.domain().toLowerCase(Locale.ROOT);
        if (!domain.matches("[a-z0-9._-]+")) {
            return Future.succeededFuture(RouteDane.NONE); // an address literal: no name to look up
        }
        return mxRecords(domain).compose(mx -> switch (mx) {
            case INSECURE_MX -> Future.succeededFuture(RouteDane.NONE);
            case SECURE_MX -> hostsOf(route); // each host's answer is kept by itself: routes differ
            default -> Future.succeededFuture(new RouteDane(mx, Map.of()));
        }).onSuccess(r -> {
            if (r.applies() || r.failure() != null) {
                LOG.debugf("DANE: %s: %s", domain, r.failure() != null ? r.failure() : r.hosts());
            }
        });
    }

    /** What the destination's MX records are: {@link #SECURE_MX}, {@link #INSECURE_MX}, or why they did not validate. */
    private Future<String> mxRecords(String domain) {
        String seen = domains.getIfPresent(domain);
        if (seen != null) {
            return Future.succeededFuture(seen);
        }
        return query(domain, Type.MX).map(mx -> switch (mx.security()) {
            case INSECURE -> INSECURE_MX;
            case SECURE -> SECURE_MX;
            case FAILED -> "DNSSEC: the MX records of " + domain + " did not validate (" + mx.why() + ")";
        }).onSuccess(v -> domains.put(domain, v));
    }

    private Future<RouteDane> hostsOf(Route route) {
        List<Future<HostDane>> each = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Route.MxHost h : route.mx()) {
            String name = h.host().toLowerCase(Locale.ROOT);
            names.add(name);
            each.add(host(name));
        }
        return Future.join(each).transform(done -> {
            Map<String, HostDane> out = new HashMap<>();
            for (int i = 0; i < names.size(); i++) {
                out.put(names.get(i), each.get(i).succeeded() ? each.get(i).result()
                        : new HostDane(Kind.FAILED, List.of(), "TLSA lookup failed: " + each.get(i).cause().getMessage()));
            }
            return Future.succeededFuture(new RouteDane(null, Map.copyOf(out)));
        });
    }

    private Future<HostDane> host(String name) {
        HostDane seen = hosts.getIfPresent(name);
        if (seen != null) {
            return Future.succeededFuture(seen);
        }
        String tlsaName = "_" + port + "._tcp." + name;
        return query(tlsaName, Type.TLSA).compose(tlsa -> switch (tlsa.security()) {
            case INSECURE -> Future.succeededFuture(HostDane.NONE);
            case SECURE -> {
                List<Tlsa> all = tlsa.records().stream().filter(r -> r instanceof TLSARecord).map(r -> Tlsa.of((TLSARecord) r)).toList();
                List<Tlsa> usable = all.stream().filter(Tlsa::usable).toList();
                yield Future.succeededFuture(all.isEmpty() ? HostDane.NONE
                        : usable.isEmpty() ? new HostDane(Kind.MANDATORY_TLS, List.of(), "TLSA records " + all + " are none usable for SMTP")
                        : new HostDane(Kind.AUTHENTICATE, usable, ""));
            }
            // 2.2: a failed TLSA lookup matters only where the host's address records are secure;
            // in an unsigned zone it is a broken name server, and the host is used as without DANE.
            case FAILED -> query(name, Type.A).map(a -> a.security() == Security.SECURE
                    ? new HostDane(Kind.FAILED, List.of(), "the TLSA lookup of " + tlsaName + " failed (" + tlsa.why() + ")")
                    : HostDane.NONE);
        }).onSuccess(h -> hosts.put(name, h));
    }

    /** One validated query: secure (AD), insecure, or failed (bogus, SERVFAIL, no answer) with the validator's reason. */
    private Future<Answer> query(String name, int type) {
        Message q;
        try {
            q = Message.newQuery(Record.newRecord(Name.fromConstantString(name + "."), type, DClass.IN));
        } catch (IllegalArgumentException e) {
            // A name DNS cannot hold (an MX host "a..b"): nothing can be validated for it.
            return Future.succeededFuture(new Answer(Security.FAILED, List.of(), "not a DNS name: " + name));
        }
        return Future.fromCompletionStage(resolver.sendAsync(q)).map(m -> {
            int rcode = m.getRcode();
            if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
                return new Answer(Security.FAILED, List.of(), reason(m));
            }
            List<Record> records = m.getSection(Section.ANSWER).stream().filter(r -> r.getType() == type).toList();
            return new Answer(m.getHeader().getFlag(Flags.AD) ? Security.SECURE : Security.INSECURE, records, "");
        }).recover(e -> Future.succeededFuture(new Answer(Security.FAILED, List.of(), String.valueOf(e.getMessage()))));
    }

    private static String reason(Message m) {
        for (Record r : m.getSection(Section.ADDITIONAL)) {
            if (r.getDClass() == ValidatingResolver.VALIDATION_REASON_QCLASS && r instanceof TXTRecord txt) {
                return Rcode.string(m.getRcode()) + ": " + String.join("", txt.getStrings());
            }
        }
        return Rcode.string(m.getRcode());
    }
}
