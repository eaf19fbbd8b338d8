package dev.mailpipe.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class RouteTest {
    private static Route.MxHost host(String name, int preference) {
        return new Route.MxHost(name, preference, List.of("127.0.0.1"));
    }

    private static final Route ROUTE = new Route("d.test",
            List.of(host("a", 10), host("b", 10), host("c", 10), host("d", 20), host("e", 30), host("f", 30)), null);

    @Test
    void eachAttemptDrawsTheOrderAmongEqualPreferencesButNeverAcrossThem() {
        Random random = new Random(42);
        Map<String, Integer> first = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            List<String> order = ROUTE.attemptOrder(random).stream().map(Route.MxHost::host).toList();
            assertEquals(Set.of("a", "b", "c"), Set.copyOf(order.subList(0, 3)), order.toString());
            assertEquals("d", order.get(3));
            assertEquals(Set.of("e", "f"), Set.copyOf(order.subList(4, 6)), order.toString());
            first.merge(order.get(0), 1, Integer::sum);
        }
        // Uniform over three hosts: each leads about 100 of 300 attempts.
        for (String h : List.of("a", "b", "c")) {
            int n = first.getOrDefault(h, 0);
            assertEquals(true, n > 60 && n < 140, h + " led " + n + " of 300 attempts: " + first);
        }
    }

    @Test
    void theRouteItselfKeepsItsOrder() {
        ROUTE.attemptOrder(new Random(1));
        assertEquals(List.of("a", "b", "c", "d", "e", "f"), ROUTE.mx().stream().map(Route.MxHost::host).toList());
    }

    @Test
    void theSiteIsTheHostsSortedOrAProvidersRollupAndTravelsWithTheRoute() {
        Route two = new Route("a.test", List.of(host("MX2.hoster.test.", 20), host("mx1.hoster.test", 10)), null);
        assertEquals("mx1.hoster.test,mx2.hoster.test", two.site(), "domains on the same servers share one site");
        Route google = new Route("example.org", List.of(host("aspmx.l.google.com", 1), host("alt1.aspmx.l.google.com", 5)), null);
        assertEquals("*.google.com", google.rolledUp(List.of("outlook.com", "google.com")).site());
        Route mixed = new Route("m.test", List.of(host("aspmx.l.google.com", 1), host("backup.m.test", 5)), null);
        assertEquals("aspmx.l.google.com,backup.m.test", mixed.rolledUp(List.of("google.com")).site(), "all hosts or none");
        Envelope e = Envelope.received("q", java.time.Instant.EPOCH, new Envelope.Client("192.0.2.1", "c", false, null), "s@x.test",
                List.of(Recipient.of("r@example.org")), 1).withRoute(google.rolledUp(List.of("google.com")));
        var record = MailRecords.record(Topics.RELAY, "k", e, new byte[0]);
        assertEquals("*.google.com", MailRecords.envelope(record.headers()).route().orElseThrow().site(), "read back from the record");
    }
}
