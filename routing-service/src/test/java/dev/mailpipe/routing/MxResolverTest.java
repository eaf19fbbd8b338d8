package dev.mailpipe.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.model.Route;
import dev.mailpipe.peers.DnsServer;
import dev.mailpipe.peers.Loopback;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MX resolution against a real authoritative server (NSD) serving the test zone on loopback. */
@Tag("unit")
class MxResolverTest {
    @TempDir
    static Path tmp;
    static DnsServer dns;

    @BeforeAll
    static void startDns() throws Exception {
        dns = DnsServer.start(tmp.resolve("dns"), "remote.test");
    }

    @AfterAll
    static void stopDns() throws Exception {
        dns.close();
    }

    private static MxResolver resolver(long cacheSize) {
        return new MxResolver(List.of(dns.address()), Duration.ofSeconds(3), cacheSize, Duration.ofMinutes(5));
    }

    private static Resolution resolve(String domain) {
        return resolver(100).resolve(domain).join();
    }

    private static List<String> hosts(Resolution r) {
        return assertInstanceOf(Resolution.Routed.class, r).route().mx().stream().map(Route.MxHost::host).toList();
    }

    @Test
    void singleMxWithItsAddress() {
        Resolution.Routed r = assertInstanceOf(Resolution.Routed.class, resolve("remote.test"));
        Route.MxHost mx = r.route().mx().get(0);
        assertEquals("mx1.remote.test", mx.host());
        assertEquals(10, mx.preference());
        assertEquals(List.of("127.0.0.2"), mx.addresses());
        assertTrue(r.ttl().compareTo(Duration.ofSeconds(60)) <= 0, "cached no longer than the records' TTL");
    }

    @Test
    void domainsCompareCaseInsensitively() {
        assertEquals(List.of("mx1.remote.test"), hosts(resolve("Remote.TEST")));
    }

    @Test
    void lowerPreferenceComesFirst() {
        assertEquals(List.of("down.remote.test", "up.remote.test"), hosts(resolve("failover.remote.test")));
    }

    @Test
    void equalPreferencesStayTogetherBeforeTheHigherOnes() {
        // The cached answer keeps them together; the relay draws their order per attempt.
        List<String> order = hosts(resolver(0).resolve("shuffle.remote.test").join());
        assertEquals(Set.of("a.shuffle.remote.test", "b.shuffle.remote.test"), Set.copyOf(order.subList(0, 2)), order.toString());
        assertEquals("c.shuffle.remote.test", order.get(2), "preference 20 is always last: " + order);
    }

    @Test
    void withoutMxTheDomainItselfIsTheImplicitMx() {
        Resolution.Routed r = assertInstanceOf(Resolution.Routed.class, resolve("implicit.remote.test"));
        assertEquals("implicit.remote.test", r.route().mx().get(0).host());
        assertEquals(List.of("127.0.0.4"), r.route().mx().get(0).addresses());
    }

    @Test
    void nullMxIsAPermanentFailure() {
        assertEquals("5.1.10", assertInstanceOf(Resolution.Failed.class, resolve("nullmx.remote.test")).status());
    }

    @Test
    void nonexistentDomainIsAPermanentFailure() {
        assertEquals("5.1.2", assertInstanceOf(Resolution.Failed.class, resolve("nosuch.remote.test")).status());
    }

    @Test
    void anMxWithoutAddressIsSkippedAndNothingLeftFails() {
        assertEquals("5.4.4", assertInstanceOf(Resolution.Failed.class, resolve("noaddr.remote.test")).status());
    }

    @Test
    void ipv6OnlyMxHost() {
        Resolution.Routed r = assertInstanceOf(Resolution.Routed.class, resolve("v6only.remote.test"));
        assertEquals(List.of("0:0:0:0:0:0:0:1"), r.route().mx().get(0).addresses());
    }

    @Test
    void mxHostBehindACnameIsFollowed() {
        Resolution.Routed r = assertInstanceOf(Resolution.Routed.class, resolve("cname.remote.test"));
        assertEquals(List.of("127.0.0.2"), r.route().mx().get(0).addresses());
    }

    @Test
    void aDnsServerThatDoesNotAnswerIsTemporary() throws Exception {
        int silent = Loopback.freePort();
        MxResolver r = new MxResolver(List.of("127.0.0.1:" + silent), Duration.ofMillis(500), 100, Duration.ofMinutes(5));
        assertInstanceOf(Resolution.Deferred.class, r.resolve("remote.test").join());
    }

    @Test
    void answersAreCachedAndTemporaryFailuresAreNot() throws Exception {
        MxResolver r = resolver(100);
        r.resolve("remote.test").join();
        r.resolve("remote.test").join();
        assertEquals(0.5, r.hitRate(), 0.001);
    }

    @Test
    void addressLiteralsNeedNoDns() {
        Resolution.Routed r = assertInstanceOf(Resolution.Routed.class, resolve("[127.0.0.9]"));
        assertEquals(List.of("127.0.0.9"), r.route().mx().get(0).addresses());
    }
}
