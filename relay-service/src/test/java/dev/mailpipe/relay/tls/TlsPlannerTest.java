package dev.mailpipe.relay.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mailpipe.model.Route;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The TLS plan as a table: for a destination with two MX hosts (mx1 named by its MTA-STS policy,
 * mx2 not), what each host gets under each mix of MTA-STS mode, DANE verdict and
 * tls-required-domains; "-" is a host left out.
 */
@Tag("unit")
class TlsPlannerTest {
    private static final Route ROUTE = new Route("dest.test", List.of(
            new Route.MxHost("mx1.dest.test", 10, List.of("192.0.2.1")),
            new Route.MxHost("mx2.dest.test", 20, List.of("192.0.2.2", "192.0.2.3"))), Instant.EPOCH);
    private static final Tlsa RECORD = new Tlsa(3, 1, 1, new byte[32]);

    private static MtaStsPolicy sts(String mode) {
        return mode.equals("none") ? null : new MtaStsPolicy("id1", MtaStsPolicy.Mode.valueOf(mode.toUpperCase()),
                List.of("mx1.dest.test"), Duration.ofDays(1), Instant.EPOCH);
    }

    private static DaneLookups.HostDane dane(String kind) {
        return switch (kind) {
            case "none" -> DaneLookups.HostDane.NONE;
            case "authenticate" -> new DaneLookups.HostDane(DaneLookups.Kind.AUTHENTICATE, List.of(RECORD), "");
            case "mandatory" -> new DaneLookups.HostDane(DaneLookups.Kind.MANDATORY_TLS, List.of(), "");
            default -> new DaneLookups.HostDane(DaneLookups.Kind.FAILED, List.of(), "TLSA records did not validate");
        };
    }

    @ParameterizedTest(name = "sts={0} dane mx1={1} mx2={2} required={3}")
    @CsvSource({
        // sts,     dane mx1,     dane mx2,  required, mx1,             mx2,             policy,            left none
        "none,      none,         none,      false,    opportunistic,   opportunistic,   opportunistic,     false",
        "none,      none,         none,      true,     required,        required,        required,          false",
        "enforce,   none,         none,      false,    mta-sts-enforce, -,               mta-sts-enforce,   false",
        "enforce,   none,         none,      true,     mta-sts-enforce, -,               mta-sts-enforce,   false",
        "testing,   none,         none,      false,    mta-sts-testing, mta-sts-testing, mta-sts-testing,   false",
        "testing,   none,         none,      true,     required,        required,        required,          false",
        "enforce,   none,         authenticate, false, mta-sts-enforce, dane,            dane,              false",
        "none,      authenticate, mandatory, false,    dane,            dane-unusable,   dane,              false",
        "none,      failed,       failed,    false,    -,               -,               dane,              true",
        "enforce,   failed,       none,      false,    -,               -,               dane,              true",
    })
    void eachHostGetsTheTlsItsPoliciesSay(String sts, String dane1, String dane2, boolean required, String mx1,
            String mx2, String policy, boolean leftNone) {
        TlsPlanner planner = new TlsPlanner(required ? List.of(" Dest.Test ") : List.of());
        DaneLookups.RouteDane dane = new DaneLookups.RouteDane(null, Map.of("mx1.dest.test", dane(dane1), "mx2.dest.test",
                dane(dane2)));
        TlsPlanner.Plan plan = planner.plan(ROUTE, ROUTE.mx(), sts(sts), dane);
        Map<String, String> byHost = plan.targets().stream().collect(Collectors.toMap(TlsPlanner.Target::host,
                t -> t.tls().name(), (a, b) -> a));
        assertEquals(mx1, byHost.getOrDefault("mx1.dest.test", "-"), "mx1");
        assertEquals(mx2, byHost.getOrDefault("mx2.dest.test", "-"), "mx2");
        assertEquals(policy, plan.policyName());
        assertEquals(leftNone, plan.policyLeftNone());
        if (mx2.equals("mta-sts-testing") || mx2.equals("-") && sts.equals("enforce") && !dane2.equals("authenticate")) {
            assertEquals(dane2.equals("failed") ? List.of() : List.of("mx2.dest.test"), plan.stsRefused());
        }
        plan.targets().stream().filter(t -> t.tls() == TlsRule.DANE)
                .forEach(t -> assertEquals(List.of(RECORD), plan.daneExpected().get(t.host())));
    }
}
