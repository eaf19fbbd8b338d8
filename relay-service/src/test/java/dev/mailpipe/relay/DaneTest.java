package dev.mailpipe.relay;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.Route;
import dev.mailpipe.peers.ChildProcess;
import dev.mailpipe.peers.DnsServer;
import dev.mailpipe.peers.Loopback;
import dev.mailpipe.peers.SignedZone;
import dev.mailpipe.peers.SmtpSink;
import dev.mailpipe.peers.TestCa;
import dev.mailpipe.peers.Unbound;
import dev.mailpipe.relay.smtp.Outcome;
import dev.mailpipe.relay.smtp.OutgoingMessage;
import dev.mailpipe.relay.tls.DaneConfig;
import dev.mailpipe.relay.tls.DaneLookups;
import dev.mailpipe.relay.tls.DaneTrust;
import dev.mailpipe.relay.tls.MtaStsPolicies;
import dev.mailpipe.relay.tls.RelayTrust;
import dev.mailpipe.relay.tls.Tlsa;
import dev.mailpipe.runtime.DnsResolvers;
import io.vertx.core.Vertx;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;
import org.xbill.DNS.lookup.LookupSession;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DANE (RFC 7672) against real peers on loopback: a zone signed with ldns-signzone, served by NSD,
 * reached through unbound validating from that zone's key (which shows the signatures good to a
 * validator other than ours); the relay's dnsjava ValidatingResolver starts from the same key.
 * aiosmtpd sinks offer STARTTLS with self-signed certificates or ones from the test's CA.
 */
@Tag("unit")
class DaneTest {
    @TempDir
    static Path tmp;
    static Vertx vertx;
    static SmtpSink good;
    static SmtpSink other;
    static SmtpSink caIssued;
    static SmtpSink wrongName;
    static SmtpSink plain;
    static ChildProcess web;
    static DnsServer nsd;
    static Unbound unbound;
    static MxWalker walker;
    static MxWalker stsOnly;
    static int port;
    static final io.micrometer.core.instrument.simple.SimpleMeterRegistry registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        TestCa ca = TestCa.create(tmp.resolve("ca"));
        port = Loopback.freePort("127.0.0.44", "127.0.0.45", "127.0.0.46", "127.0.0.47", "127.0.0.48");
        good = SmtpSink.start("127.0.0.44", port, tmp.resolve("good"), "accept", true);
        other = SmtpSink.start("127.0.0.45", port, tmp.resolve("other"), "accept", true);
        Path[] ta = ca.issue("mx-ta", "mx-ta.dane.test");
        caIssued = SmtpSink.start("127.0.0.46", port, tmp.resolve("ta"), "accept", ta[0], ta[1]);
        Path[] elsewhere = ca.issue("elsewhere", "elsewhere.dane.test");
        wrongName = SmtpSink.start("127.0.0.47", port, tmp.resolve("wrong-name"), "accept", elsewhere[0], elsewhere[1]);
        plain = SmtpSink.start("127.0.0.48", port, tmp.resolve("plain"), "accept");

        String goodKey = sha256(cert(tmp.resolve("good/sink-cert.pem")).getPublicKey().getEncoded());
        String caCert = sha256(cert(ca.cert).getEncoded());
        // An MTA-STS policy that names none of good.dane.test's MX hosts: DANE must win over it.
        Path[] webCert = ca.issue("web", "mta-sts.good.dane.test");
        Path policies = Files.createDirectories(tmp.resolve("policies"));
        Files.writeString(policies.resolve("mta-sts.good.dane.test.txt"),
                "version: STSv1\nmode: enforce\nmx: mx.nowhere.test\nmax_age: 86400\n");
        int webPort = Loopback.freePort("127.0.0.49");
        web = MtaStsTest.policyServer(tmp, "127.0.0.49", webPort, policies, webCert);

        int nsdPort = Loopback.freePort();
        String soa = "@ IN SOA ns hostmaster 1 60 60 60 60\n@ IN NS ns\nns IN A 127.0.0.1\n";
        SignedZone zone = SignedZone.sign(tmp.resolve("zone"), "dane.test", "$ORIGIN dane.test.\n$TTL 60\n" + soa
                + "good IN MX 10 mx-good\n"
                + "_mta-sts.good IN TXT \"v=STSv1; id=1\"\nmta-sts.good IN A 127.0.0.49\n"
                + "mx-good IN A 127.0.0.44\n_" + port + "._tcp.mx-good IN TLSA 3 1 1 " + goodKey + "\n"
                + "bad IN MX 10 mx-bad\nmx-bad IN A 127.0.0.45\n_" + port + "._tcp.mx-bad IN TLSA 3 1 1 " + goodKey + "\n"
                + "ta IN MX 10 mx-ta\nmx-ta IN A 127.0.0.46\n_" + port + "._tcp.mx-ta IN TLSA 2 0 1 " + caCert + "\n"
                + "misnamed IN MX 10 mx-misnamed\nmx-misnamed IN A 127.0.0.47\n_" + port + "._tcp.mx-misnamed IN TLSA 2 0 1 "
                + caCert + "\n"
                + "bogus IN MX 10 mx-bogus\nmx-bogus IN A 127.0.0.44\n_" + port + "._tcp.mx-bogus IN TLSA 3 1 1 " + goodKey + "\n"
                + "pkix IN MX 10 mx-pkix\nmx-pkix IN A 127.0.0.48\n_" + port + "._tcp.mx-pkix IN TLSA 1 1 1 " + goodKey + "\n"
                + "none IN MX 10 mx-none\nmx-none IN A 127.0.0.48\n"
                + "forged IN MX 10 mx-good\n");
        // The bogus host's record, changed after signing: what an attacker on the path could send.
        zone.tamper("forged.dane.test.", "MX", "10 mx-none.dane.test.");
        zone.tamper("_" + port + "._tcp.mx-bogus.dane.test.", "TLSA", "3 1 1 " + "ab".repeat(32));
        nsd = DnsServer.serve(tmp.resolve("nsd"), "127.0.0.1", nsdPort, Map.of(
                "dane.test", Files.readString(zone.file),
                "unsigned.test", "$ORIGIN unsigned.test.\n$TTL 60\n" + soa + "@ IN MX 10 mx\nmx IN A 127.0.0.48\n"
                        + "_" + port + "._tcp.mx IN TLSA 3 1 1 " + "ab".repeat(32) + "\n"));
        unbound = Unbound.start(tmp.resolve("unbound"), "127.0.0.1", Loopback.freePort(),
                Map.of("dane.test", "127.0.0.1@" + nsdPort, "unsigned.test", "127.0.0.1@" + nsdPort), List.of(zone.trustAnchor));

        TestRelayConfig config = new TestRelayConfig(port, FixedTimeouts.of(Duration.ofSeconds(10)));
        RelayTrust trust = new RelayTrust(Optional.of(ca.cert));
        MtaStsPolicies sts = new MtaStsPolicies(vertx, LookupSession.builder()
                .resolver(DnsResolvers.of(List.of(unbound.address()), Duration.ofSeconds(2))).build(), trust,
                MtaStsTest.config(webPort), Clock.systemUTC());
        DaneLookups dane = new DaneLookups(DnsResolvers.of(List.of(unbound.address()), Duration.ofSeconds(3)),
                daneConfig(zone.trustAnchor), port);
        walker = new MxWalker(vertx, config, trust, sts, dane, registry);
        stsOnly = new MxWalker(vertx, config, trust, sts, null, registry);
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {good, other, caIssued, wrongName, plain, web, unbound, nsd}) {
            if (c != null) {
                c.close();
            }
        }
        vertx.close();
    }

    @Test
    void unboundValidatesTheSignedZoneAndRefusesTheTamperedRecord() throws Exception {
        Message ok = ask("_" + port + "._tcp.mx-good.dane.test.", Type.TLSA);
        assertEquals(Rcode.NOERROR, ok.getRcode());
        assertTrue(ok.getHeader().getFlag(Flags.AD), "unbound says the TLSA record is secure: " + ok);
        assertEquals(Rcode.SERVFAIL, ask("_" + port + "._tcp.mx-bogus.dane.test.", Type.TLSA).getRcode(), "bogus");
        assertFalse(ask("mx.unsigned.test.", Type.A).getHeader().getFlag(Flags.AD), "the unsigned zone is insecure");
    }

    @Test
    void daneEeRecordThatMatchesTheCertificateDelivers() throws Exception {
        int before = good.messages().size();
        Outcome o = deliver(walker, "good.dane.test", "mx-good.dane.test", "127.0.0.44");
        assertEquals(Outcome.Kind.SENT, o.kind(), o.toString());
        assertEquals("dane", o.tls(), "the event says DANE carried it");
        assertEquals(before + 1, good.messages().size());
        assertTrue(SmtpSink.session(good.messages().get(before)).contains("TLS:yes"), "over TLS");
        assertTrue(registry.counter("mailpipe.relay.tls.policy.recipients", "policy", "dane", "outcome", "sent").count() >= 1);
    }

    @Test
    void daneWinsOverAnMtaStsPolicyThatNamesOtherHosts() throws Exception {
        Outcome withoutDane = deliver(stsOnly, "good.dane.test", "mx-good.dane.test", "127.0.0.44");
        assertEquals(Outcome.Kind.DEFERRED, withoutDane.kind(), "MTA-STS alone refuses mx-good: " + withoutDane);
        assertTrue(withoutDane.detail().contains("no MX host matches the MTA-STS policy"), withoutDane.detail());
        assertEquals(Outcome.Kind.SENT, deliver(walker, "good.dane.test", "mx-good.dane.test", "127.0.0.44").kind());
    }

    @Test
    void aCertificateNoTlsaRecordMatchesDefersNeverPlainText() throws Exception {
        int before = other.messages().size();
        Outcome o = deliver(walker, "bad.dane.test", "mx-bad.dane.test", "127.0.0.45");
        assertEquals(Outcome.Kind.DEFERRED, o.kind(), o.toString());
        assertEquals("4.7.5", o.status(), o.toString());
        assertTrue(o.detail().contains("TLS handshake with mx-bad.dane.test failed"), o.detail());
        assertEquals(before, other.messages().size(), "nothing went to the server with the wrong key");
    }

    @Test
    void daneTaChecksTheChainFromTheAnchorAndTheMxName() throws Exception {
        int before = caIssued.messages().size();
        assertEquals(Outcome.Kind.SENT, deliver(walker, "ta.dane.test", "mx-ta.dane.test", "127.0.0.46").kind());
        assertEquals(before + 1, caIssued.messages().size());
        Outcome misnamed = deliver(walker, "misnamed.dane.test", "mx-misnamed.dane.test", "127.0.0.47");
        assertEquals(Outcome.Kind.DEFERRED, misnamed.kind(), misnamed.toString());
        assertEquals("4.7.5", misnamed.status());
        assertTrue(misnamed.detail().contains("does not name mx-misnamed.dane.test"), misnamed.detail());
        assertTrue(wrongName.messages().isEmpty());
    }

    @Test
    void aBogusTlsaAnswerMakesTheHostUnusable() throws Exception {
        int before = good.messages().size();
        Outcome o = deliver(walker, "bogus.dane.test", "mx-bogus.dane.test", "127.0.0.44");
        assertEquals(Outcome.Kind.DEFERRED, o.kind(), o.toString());
        assertEquals("4.7.5", o.status(), o.toString());
        assertTrue(o.detail().contains("DANE: mx-bogus.dane.test: the TLSA lookup of _" + port + "._tcp.mx-bogus.dane.test failed"),
                o.detail());
        assertEquals(before, good.messages().size(), "nothing sent to a host whose records may have been hidden");
    }

    @Test
    void mxRecordsThatDoNotValidateDeferTheDestination() throws Exception {
        int before = good.messages().size();
        Outcome o = deliver(walker, "forged.dane.test", "mx-good.dane.test", "127.0.0.44");
        assertEquals(Outcome.Kind.DEFERRED, o.kind(), o.toString());
        assertEquals("4.4.3", o.status());
        assertTrue(o.detail().contains("the MX records of forged.dane.test did not validate"), o.detail());
        assertEquals(before, good.messages().size());
    }

    @Test
    void anMxHostNamedAsNoDnsNameCanBeGetsNoDaneAndItsHandshakeStillEnds() throws Exception {
        // No TLSA or address record can exist for it, and no TLS server name can be it: the
        // handshake fails at once (it used to hang, its future never completed) and the mail goes
        // on as opportunistic TLS does, in plain text.
        Outcome o = deliver(walker, "ta.dane.test", "mx..ta.dane.test", "127.0.0.46");
        assertEquals(Outcome.Kind.SENT, o.kind(), o.toString());
        assertEquals("plain after a failed handshake", o.tls());
    }

    @Test
    void onlyUnusableRecordsStillRequireTls() throws Exception {
        Outcome o = deliver(walker, "pkix.dane.test", "mx-pkix.dane.test", "127.0.0.48");
        assertEquals(Outcome.Kind.DEFERRED, o.kind(), o.toString());
        assertEquals("4.7.5", o.status());
        assertTrue(o.detail().contains("does not offer STARTTLS"), o.detail());
    }

    @Test
    void withoutSecureTlsaRecordsTheMailGoesAsWithoutDane() throws Exception {
        int before = plain.messages().size();
        Outcome none = deliver(walker, "none.dane.test", "mx-none.dane.test", "127.0.0.48");
        assertEquals(Outcome.Kind.SENT, none.kind(), "a signed zone without TLSA records");
        assertEquals("plain", none.tls(), "the sink offers no STARTTLS");
        assertEquals(Outcome.Kind.SENT, deliver(walker, "unsigned.test", "mx.unsigned.test", "127.0.0.48").kind(),
                "an unsigned zone: its TLSA record proves nothing");
        assertEquals(before + 2, plain.messages().size());
    }

    @Test
    void tlsaMatching() throws Exception {
        X509Certificate c = cert(tmp.resolve("good/sink-cert.pem"));
        byte[] spki = MessageDigest.getInstance("SHA-256").digest(c.getPublicKey().getEncoded());
        assertTrue(new Tlsa(3, 1, 1, spki).matches(c));
        assertTrue(new Tlsa(3, 0, 0, c.getEncoded()).matches(c));
        assertTrue(new Tlsa(3, 1, 2, MessageDigest.getInstance("SHA-512").digest(c.getPublicKey().getEncoded())).matches(c));
        assertFalse(new Tlsa(3, 0, 1, spki).matches(c), "selector 0 is the whole certificate");
        assertFalse(new Tlsa(1, 1, 1, spki).usable(), "PKIX-EE is not for SMTP");
        assertFalse(new Tlsa(3, 1, 1, new byte[31]).usable(), "a SHA-256 digest has 32 octets");
        assertTrue(DaneTrust.namesHost(cert(tmp.resolve("ca/mx-ta.pem")), "MX-TA.dane.test."));
        assertFalse(DaneTrust.namesHost(cert(tmp.resolve("ca/mx-ta.pem")), "a.mx-ta.dane.test"));
    }

    @Test
    void withoutTrustAnchorsOfItsOwnValidationStartsFromTheRootKeys() {
        DaneConfig defaults = new DaneConfig() {
            public boolean enabled() {
                return true;
            }

            public Optional<Path> trustAnchors() {
                return Optional.empty();
            }

            public Duration recheck() {
                return Duration.ofMinutes(1);
            }

            public long cacheSize() {
                return 1;
            }
        };
        List<String> anchors = new DaneLookups(DnsResolvers.of(List.of(unbound.address()), Duration.ofSeconds(1)), defaults, 25)
                .trustAnchors();
        assertEquals(2, anchors.size(), anchors.toString());
        assertTrue(anchors.stream().allMatch(a -> a.startsWith(".") && a.contains("DS")), anchors.toString());
        assertTrue(anchors.stream().anyMatch(a -> a.contains("20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D")),
                anchors.toString());
    }

    private static Message ask(String name, int type) throws Exception {
        SimpleResolver r = new SimpleResolver(unbound.ip);
        r.setPort(unbound.port);
        r.setEDNS(0, 0, ExtendedFlags.DO);
        return r.send(Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN)));
    }

    private static Outcome deliver(MxWalker w, String domain, String mxHost, String address) throws Exception {
        Envelope e = Envelope.received("d-" + System.nanoTime(), Instant.now(), new Envelope.Client("127.0.0.1", "c", false, null),
                "sender@y.test", List.of(Recipient.of("rcpt@" + domain)), 10)
                .withRoute(new Route(domain, List.of(new Route.MxHost(mxHost, 10, List.of(address))), null));
        return w.deliver(e, OutgoingMessage.unsigned(e, "Subject: dane\r\n\r\nx\r\n".getBytes()))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).get(0);
    }

    private static X509Certificate cert(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static String sha256(byte[] der) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
    }

    static DaneConfig daneConfig(Path anchors) {
        return new DaneConfig() {
            public boolean enabled() {
                return true;
            }

            public Optional<Path> trustAnchors() {
                return Optional.of(anchors);
            }

            public Duration recheck() {
                return Duration.ofMinutes(1);
            }

            public long cacheSize() {
                return 100;
            }
        };
    }
}
