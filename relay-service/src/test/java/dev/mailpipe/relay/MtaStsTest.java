package dev.mailpipe.relay;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.Route;
import dev.mailpipe.peers.ChildProcess;
import dev.mailpipe.peers.DnsServer;
import dev.mailpipe.peers.Loopback;
import dev.mailpipe.peers.SmtpSink;
import dev.mailpipe.peers.TestCa;
import dev.mailpipe.relay.smtp.Outcome;
import dev.mailpipe.relay.smtp.OutgoingMessage;
import dev.mailpipe.relay.tls.MtaStsConfig;
import dev.mailpipe.relay.tls.MtaStsPolicies;
import dev.mailpipe.relay.tls.MtaStsPolicy;
import dev.mailpipe.relay.tls.RelayTrust;
import dev.mailpipe.runtime.DnsResolvers;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.lookup.LookupSession;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MTA-STS (RFC 8461) against real peers on loopback: NSD publishes the TXT records and the policy
 * hosts, a Python HTTPS server with a certificate from the test's own CA serves the policies, and
 * aiosmtpd sinks offer STARTTLS, one with a certificate from that CA for its MX name, one with a
 * self-signed certificate.
 */
@Tag("unit")
class MtaStsTest {
    @TempDir
    static Path tmp;
    static Vertx vertx;
    static TestCa ca;
    static SmtpSink trusted;
    static SmtpSink selfSigned;
    static ChildProcess web;
    static DnsServer dns;
    static MxWalker walker;
    static MtaStsPolicies sts;
    static final io.micrometer.core.instrument.simple.SimpleMeterRegistry registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    static int port;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        ca = TestCa.create(tmp.resolve("ca"));
        Path[] webCert = ca.issue("web", "mta-sts.sts.test", "mta-sts.testing.test", "mta-sts.endless.test");
        Path[] mxCert = ca.issue("mx", "mx.sts.test", "mx.testing.test");
        port = Loopback.freePort("127.0.0.42", "127.0.0.43");
        trusted = SmtpSink.start("127.0.0.42", port, tmp.resolve("trusted"), "accept", mxCert[0], mxCert[1]);
        selfSigned = SmtpSink.start("127.0.0.43", port, tmp.resolve("self-signed"), "accept", true);

        Path policies = Files.createDirectories(tmp.resolve("policies"));
        Files.writeString(policies.resolve("mta-sts.sts.test.txt"),
                "version: STSv1\r\nmode: enforce\r\nmx: mx.sts.test\r\nmx: *.backup.sts.test\r\nmax_age: 86400\r\n");
        Files.writeString(policies.resolve("mta-sts.testing.test.txt"),
                "version: STSv1\nmode: testing\nmx: mx.testing.test\nmax_age: 86400\n");
        // A body without end: the fetch must give up at the size limit, not read it all first.
        Files.writeString(policies.resolve("mta-sts.endless.test.endless"), "mx: mx.endless.test\n");
        int webPort = Loopback.freePort("127.0.0.41");
        web = policyServer(tmp, "127.0.0.41", webPort, policies, webCert);

        String soa = "@ IN SOA ns hostmaster 1 60 60 60 60\n@ IN NS ns\nns IN A 127.0.0.1\n";
        dns = DnsServer.serve(tmp.resolve("dns"), "127.0.0.1", Loopback.freePort(), Map.of(
                "sts.test", "$ORIGIN sts.test.\n$TTL 60\n" + soa + "_mta-sts IN TXT \"v=STSv1; id=20261201\"\nmta-sts IN A 127.0.0.41\n",
                "testing.test", "$ORIGIN testing.test.\n$TTL 60\n" + soa + "_mta-sts IN TXT \"v=STSv1; id=7\"\nmta-sts IN A 127.0.0.41\n",
                "endless.test", "$ORIGIN endless.test.\n$TTL 60\n" + soa + "_mta-sts IN TXT \"v=STSv1; id=1\"\nmta-sts IN A 127.0.0.41\n",
                "nopolicy.test", "$ORIGIN nopolicy.test.\n$TTL 60\n" + soa));
        RelayTrust trust = new RelayTrust(Optional.of(ca.cert));
        sts = new MtaStsPolicies(vertx, LookupSession.builder()
                .resolver(DnsResolvers.of(List.of(dns.address()), Duration.ofSeconds(2))).build(), trust, config(webPort),
                Clock.systemUTC());
        walker = new MxWalker(vertx, new TestRelayConfig(port, FixedTimeouts.of(Duration.ofSeconds(10))), trust, sts, null, registry);
    }

    @AfterAll
    static void stop() throws Exception {
        trusted.close();
        selfSigned.close();
        web.close();
        dns.close();
        vertx.close();
    }

    @Test
    void enforceDeliversOverCheckedTlsToANamedMx() throws Exception {
        int before = trusted.messages().size();
        Outcome o = deliver("sts.test", "mx.sts.test", "127.0.0.42");
        assertEquals(Outcome.Kind.SENT, o.kind(), o.toString());
        assertEquals("mta-sts-enforce", o.tls());
        assertEquals(before + 1, trusted.messages().size());
        assertTrue(SmtpSink.session(trusted.messages().get(before)).contains("TLS:yes"), "over TLS");
    }

    @Test
    void enforceDefersWhenTheCertificateIsNotTrustedNeverPlainText() throws Exception {
        int before = selfSigned.messages().size();
        Outcome o = deliver("sts.test", "mx.sts.test", "127.0.0.43");
        assertEquals(Outcome.Kind.DEFERRED, o.kind(), o.toString());
        assertEquals("4.7.5", o.status(), o.toString());
        assertTrue(o.detail().contains("TLS handshake with mx.sts.test failed"), o.detail());
        assertTrue(registry.counter("mailpipe.relay.tls.policy.recipients", "policy", "mta-sts-enforce", "outcome", "deferred").count() >= 1);
        assertEquals(before, selfSigned.messages().size(), "nothing went to the server with the wrong certificate");
    }

    @Test
    void enforceDefersWhenNoMxMatchesThePolicy() throws Exception {
        Outcome o = deliver("sts.test", "mx.elsewhere.test", "127.0.0.42");
        assertEquals(Outcome.Kind.DEFERRED, o.kind());
        assertEquals("4.7.5", o.status());
        assertTrue(o.detail().contains("no MX host matches the MTA-STS policy of sts.test (mx: mx.sts.test, *.backup.sts.test)"),
                o.detail());
    }

    @Test
    void testingOnlyReportsTheMailGoesOnOpportunistically() throws Exception {
        int before = selfSigned.messages().size();
        Outcome o = deliver("testing.test", "mx.testing.test", "127.0.0.43");
        assertEquals(Outcome.Kind.SENT, o.kind(), o.toString());
        assertEquals("mta-sts-testing check failed, opportunistic", o.tls(), "the event reports what enforce would have refused");
        assertEquals(before + 1, selfSigned.messages().size());
        assertTrue(sts.cached().stream().anyMatch(p -> p.id().equals("7") && p.mode() == MtaStsPolicy.Mode.TESTING),
                "the testing policy was fetched and applied: " + sts.cached());
    }

    @Test
    void aDomainWithoutAPolicyGetsOpportunisticTls() throws Exception {
        assertEquals(Outcome.Kind.SENT, deliver("nopolicy.test", "mx.nopolicy.test", "127.0.0.43").kind());
    }

    @Test
    void aPolicyBodyWithoutEndIsCutAtItsLimitWithoutBeingReadWhole() throws Exception {
        long start = System.nanoTime();
        MtaStsPolicy p = sts.policyFor("endless.test").toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        assertEquals(null, p, "no policy from a body past 64 KiB");
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "gave up at the limit, not at a timeout");
    }

    @Test
    void aSessionCheckedForOneMxNameNeverCarriesMailForAnotherNameOnTheSameAddress() throws Exception {
        // 127.0.0.42's certificate names mx.sts.test only; x.backup.sts.test matches the policy, not the certificate.
        MxWalker pooling = new MxWalker(vertx, new TestRelayConfig(port, FixedTimeouts.of(Duration.ofSeconds(10)), true),
                new RelayTrust(Optional.of(ca.cert)), sts, null, registry);
        assertEquals(Outcome.Kind.SENT, deliver(pooling, "sts.test", "mx.sts.test", "127.0.0.42").kind());
        int before = trusted.messages().size();
        Outcome o = deliver(pooling, "sts.test", "x.backup.sts.test", "127.0.0.42");
        assertEquals(Outcome.Kind.DEFERRED, o.kind(), "the pooled session checked for mx.sts.test must not be reused: " + o);
        assertEquals("4.7.5", o.status(), o.toString());
        assertEquals(before, trusted.messages().size());
    }

    @Test
    void policyFilesAndMxPatterns() {
        Instant now = Instant.now();
        MtaStsPolicy p = MtaStsPolicy.parse("1", "version: STSv1\nmode: enforce\nmx: mail.example.test\nmx: *.example.net\n"
                + "max_age: 9999999999\nextension: ignored\n", now);
        assertTrue(p.allows("MAIL.example.test."));
        assertTrue(p.allows("mx1.example.net"));
        assertFalse(p.allows("a.mx1.example.net"), "a wildcard stands for one label");
        assertFalse(p.allows("example.net"));
        assertEquals(MtaStsPolicy.LONGEST, p.maxAge(), "max_age is at most a year");
        assertTrue(p.fresh(now.plusSeconds(60)));
        assertThrows(IllegalArgumentException.class, () -> MtaStsPolicy.parse("1", "version: STSv2\nmode: enforce\nmx: a\nmax_age: 1\n", now));
        assertThrows(IllegalArgumentException.class, () -> MtaStsPolicy.parse("1", "version: STSv1\nmode: enforce\nmax_age: 1\n", now));
        assertEquals(MtaStsPolicy.Mode.NONE, MtaStsPolicy.parse("1", "version: STSv1\nmode: none\nmax_age: 1\n", now).mode());
    }

    private static Outcome deliver(String domain, String mxHost, String address) throws Exception {
        return deliver(walker, domain, mxHost, address);
    }

    private static Outcome deliver(MxWalker walker, String domain, String mxHost, String address) throws Exception {
        Envelope e = Envelope.received("s-" + System.nanoTime(), Instant.now(), new Envelope.Client("127.0.0.1", "c", false, null),
                "sender@y.test", List.of(Recipient.of("rcpt@" + domain)), 10)
                .withRoute(new Route(domain, List.of(new Route.MxHost(mxHost, 10, List.of(address))), null));
        return walker.deliver(e, OutgoingMessage.unsigned(e, "Subject: sts\r\n\r\nx\r\n".getBytes()))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).get(0);
    }

    /** The policies of {@code dir} ({@code mta-sts.<domain>.txt}) over HTTPS on {@code host:port}, as a domain's web server serves them. */
    static ChildProcess policyServer(Path tmp, String host, int port, Path dir, Path[] certAndKey) throws Exception {
        ChildProcess web = ChildProcess.start("mta-sts web " + host, List.of("/usr/bin/python3",
                Loopback.resource("mta_sts_server.py", tmp).toString(), "--host", host, "--port", String.valueOf(port),
                "--dir", dir.toString(), "--cert", certAndKey[0].toString(), "--key", certAndKey[1].toString()), tmp, Map.of(),
                tmp.resolve("web-" + host + ".log"));
        web.awaitOutput("ready", Duration.ofSeconds(20));
        return web;
    }

    static MtaStsConfig config(int webPort) {
        return new MtaStsConfig() {
            public boolean enabled() {
                return true;
            }

            public int port() {
                return webPort;
            }

            public Duration fetchTimeout() {
                return Duration.ofSeconds(5);
            }

            public long cacheSize() {
                return 100;
            }

            public Duration recheck() {
                return Duration.ofMinutes(1);
            }
        };
    }
}
