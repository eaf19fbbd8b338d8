package dev.mailpipe.relay.tls;

import dev.mailpipe.model.Route;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which addresses a delivery may try, in which order, and the TLS each must get: a pure function
 * of the route, the destination's MTA-STS policy (RFC 8461), its DANE verdict (RFC 7672) and
 * {@code tls-required-domains}. DANE wins where the host's TLSA records are secure; an MTA-STS
 * policy in enforce drops the hosts it does not name, one in testing only reports them; a required
 * domain gets TLS without a certificate check; everything else is opportunistic (RFC 7435).
 */
public final class TlsPlanner {
    /** One address to try, and the TLS its host gets. */
    public record Target(String host, String address, int preference, TlsRule tls) {
    }

    /**
     * What a delivery may do: its targets in order, the hosts
     * each policy ruled out, the records DANE will check each host's certificate against, and,
     * should no target answer, why.
     */
    public record Plan(List<Target> targets, List<String> stsRefused, List<String> daneRefused,
            Map<String, List<Tlsa>> daneExpected, String policyName, String noTargetReason) {
        /** A TLS policy, not the network, left nothing to try (4.7.5 rather than 4.4.1). */
        public boolean policyLeftNone() {
            return targets.isEmpty() && (!stsRefused.isEmpty() || !daneRefused.isEmpty());
        }
    }

    private final Set<String> tlsRequired;

    public TlsPlanner(List<String> tlsRequiredDomains) {
        this.tlsRequired = tlsRequiredDomains.stream().map(d -> d.trim().toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
    }

    /**
     * The plan for {@code route}'s hosts in {@code order} (the route's attempt order), under
     * {@code policy} (null for none) and {@code dane} (whose failure the caller has dealt with).
     */
    public Plan plan(Route route, List<Route.MxHost> order, MtaStsPolicy policy, DaneLookups.RouteDane dane) {
        List<Target> targets = new ArrayList<>();
        List<String> stsRefused = new ArrayList<>();
        List<String> daneRefused = new ArrayList<>();
        Map<String, List<Tlsa>> daneExpected = new LinkedHashMap<>();
        TlsRule routeRule = routeRule(route, policy);
        for (Route.MxHost h : order) {
            DaneLookups.HostDane hostDane = dane.host(h.host());
            if (hostDane.kind() == DaneLookups.Kind.FAILED) {
                daneRefused.add(h.host() + ": " + hostDane.reason());
                continue;
            }
            TlsRule rule = TlsRule.forHost(hostDane, routeRule);
            if (rule.check() == TlsRule.Check.DANE) {
                daneExpected.put(h.host(), hostDane.records());
            }
            if (hostDane.kind() == DaneLookups.Kind.NONE && policy != null && policy.mode() != MtaStsPolicy.Mode.NONE
                    && !policy.allows(h.host())) {
                stsRefused.add(h.host());
                if (policy.mode() == MtaStsPolicy.Mode.ENFORCE) {
                    continue;
                }
            }
            for (String a : h.addresses()) {
                targets.add(new Target(h.host(), a, h.preference(), rule));
            }
        }
        String why = targets.isEmpty() && !daneRefused.isEmpty() ? "DANE: " + String.join("; ", daneRefused)
                : targets.isEmpty() && !stsRefused.isEmpty() ? "no MX host matches the MTA-STS policy of " + route.domain()
                        + " (mx: " + String.join(", ", policy.mx()) + ")"
                : "route has no address";
        String policyName = dane.applies() ? TlsRule.DANE.name() : routeRule.name();
        return new Plan(targets, stsRefused, daneRefused, daneExpected, policyName, why);
    }

    /** The TLS a destination gets: MTA-STS's when it has a policy, else tls-required-domains, else opportunistic. */
    private TlsRule routeRule(Route route, MtaStsPolicy policy) {
        if (policy != null && policy.mode() == MtaStsPolicy.Mode.ENFORCE) {
            return TlsRule.STS_ENFORCE;
        }
        if (tlsRequired.contains(route.domain().toLowerCase(Locale.ROOT))) {
            return TlsRule.REQUIRED;
        }
        return policy != null && policy.mode() == MtaStsPolicy.Mode.TESTING ? TlsRule.STS_TESTING : TlsRule.OPPORTUNISTIC;
    }
}
