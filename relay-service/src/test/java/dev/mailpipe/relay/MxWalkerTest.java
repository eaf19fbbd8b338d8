package dev.mailpipe.relay;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.Route;
import dev.mailpipe.peers.Loopback;
import dev.mailpipe.peers.SmtpSink;
import dev.mailpipe.relay.smtp.Outcome;
import dev.mailpipe.relay.smtp.OutgoingMessage;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The outbound client against real aiosmtpd servers on loopback addresses. */
@Tag("unit")
class MxWalkerTest {
    @TempDir
    static Path tmp;
    static Vertx vertx;
    static int port;
    static SmtpSink accepting;
    static SmtpSink tempfailing;
    static SmtpSink rejecting;
    static SmtpSink secure;
    static SmtpSink slow;
    static SmtpSink dropping;
    static SmtpSink twin;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        port = Loopback.freePort("127.0.0.21", "127.0.0.22", "127.0.0.23", "127.0.0.24", "127.0.0.25", "127.0.0.27", "127.0.0.28",
                "127.0.0.29");
        accepting = SmtpSink.start("127.0.0.21", port, tmp.resolve("accept"), "accept");
        tempfailing = SmtpSink.start("127.0.0.22", port, tmp.resolve("tempfail"), "tempfail");
        rejecting = SmtpSink.start("127.0.0.23", port, tmp.resolve("reject"), "reject");
        secure = SmtpSink.start("127.0.0.25", port, tmp.resolve("secure"), "accept", true);
        slow = SmtpSink.start("127.0.0.27", port, tmp.resolve("slow"), "slow");
        dropping = SmtpSink.start("127.0.0.28", port, tmp.resolve("drop"), "drop");
        twin = SmtpSink.start("127.0.0.29", port, tmp.resolve("twin"), "accept");
    }

    @AfterAll
    static void stop() throws Exception {
        accepting.close();
        tempfailing.close();
        rejecting.close();
        secure.close();
        slow.close();
        dropping.close();
        twin.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static RelayConfig config() {
        return config(true);
    }

    private static RelayConfig config(boolean reuse) {
        return new RelayTestDefaults() {
            public int port() {
                return port;
            }

            public String hostname() {
                return "relay.test";
            }

            public Duration connectTimeout() {
                return Duration.ofSeconds(2);
            }

            public RelayConfig.Timeouts timeout() {
                return FixedTimeouts.of(Duration.ofSeconds(15));
            }

            public int maxReplyLineLength() {
                return 2048;
            }

            public int maxReplyLines() {
                return 100;
            }

            public java.util.Optional<List<String>> tlsRequiredDomains() {
                return java.util.Optional.of(List.of("secure.test"));
            }

            public java.util.Optional<Duration> delayWarning() {
                return java.util.Optional.empty();
            }

            public boolean reuseConnections() {
                return reuse;
            }

            public Duration idleConnectionTimeout() {
                return Duration.ofSeconds(5);
            }

            public int maxMessagesPerConnection() {
                return 100;
            }

            public int initialConnectionsPerSite() {
                return 2;
            }

            public int maxConnectionsPerSite() {
                return 2;
            }

            public int maxConnections() {
                return 10;
            }
        };
    }

    private static Envelope envelope(List<String> rcpts, String... hostsAndAddresses) {
        return envelope("dest.test", rcpts, hostsAndAddresses);
    }

    private static Envelope envelope(String domain, List<String> rcpts, String... hostsAndAddresses) {
        List<Route.MxHost> mx = new java.util.ArrayList<>();
        for (int i = 0; i < hostsAndAddresses.length; i++) {
            mx.add(new Route.MxHost("mx" + i + ".test", 10 * (i + 1), List.of(hostsAndAddresses[i])));
        }
        return Envelope.received("m-" + System.nanoTime(), Instant.now(),
                new Envelope.Client("127.0.0.1", "c", false, null), "sender@y.test",
                rcpts.stream().map(Recipient::of).toList(), 10).withRoute(new Route(domain, mx, null));
    }

    private static List<Outcome> deliver(Envelope e, String message) throws Exception {
        return deliver(new MxWalker(vertx, config()), e, message);
    }

    private static List<Outcome> deliver(MxWalker walker, Envelope e, String message) throws Exception {
        return walker.deliver(e, OutgoingMessage.unsigned(e, message.getBytes(StandardCharsets.UTF_8)))
                .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    @Test
    void deliversToTheFirstReachableMxInRankOrder() throws Exception {
        int before = accepting.messages().size();
        List<Outcome> out = deliver(envelope(List.of("a@dest.test"), "127.0.0.24", "127.0.0.21"),
                "Subject: rank\r\n\r\nbare\nline\r\n.dot\r\n");
        assertEquals(Outcome.Kind.SENT, out.get(0).kind());
        assertEquals("mx1.test", out.get(0).remoteMta());
        assertEquals(before + 1, accepting.messages().size());
        String got = Files.readString(accepting.messages().get(before));
        assertEquals("Subject: rank\r\n\r\nbare\r\nline\r\n.dot\r\n", got, "CRLF-normalised, unstuffed by the peer");
    }

    @Test
    void aTemporaryFailureDefersAndAPermanentOneBounces() throws Exception {
        assertEquals(Outcome.Kind.DEFERRED, deliver(envelope(List.of("a@dest.test"), "127.0.0.22"), "x").get(0).kind());
        Outcome bounced = deliver(envelope(List.of("a@dest.test"), "127.0.0.23"), "x").get(0);
        assertEquals(Outcome.Kind.BOUNCED, bounced.kind());
        assertEquals("5.1.1", bounced.status());
        assertTrue(bounced.detail().startsWith("smtp; 550 5.1.1"), bounced.detail());
    }

    @Test
    void eachRecipientTakesItsOwnPath() throws Exception {
        List<Outcome> out = deliver(envelope(List.of("ok@dest.test", "reject-me@dest.test"), "127.0.0.21"),
                "Subject: mixed\r\n\r\nx\r\n");
        assertEquals(Outcome.Kind.SENT, out.stream().filter(o -> o.recipient().address().equals("ok@dest.test"))
                .findFirst().orElseThrow().kind());
        assertEquals(Outcome.Kind.BOUNCED, out.stream().filter(o -> o.recipient().address().startsWith("reject"))
                .findFirst().orElseThrow().kind());
    }

    @Test
    void starttlsIsUsedWhenOfferedEvenWithASelfSignedCertificate() throws Exception {
        int before = secure.messages().size();
        Outcome o = deliver(envelope(List.of("a@dest.test"), "127.0.0.25"), "Subject: tls\r\n\r\nx\r\n").get(0);
        assertEquals(Outcome.Kind.SENT, o.kind(), o.detail());
        assertTrue(SmtpSink.session(secure.messages().get(before)).contains("TLS:yes"));
    }

    @Test
    void aDomainThatRequiresTlsIsDeferredWhenTheServerOffersNone() throws Exception {
        Outcome o = deliver(envelope("secure.test", List.of("a@secure.test"), "127.0.0.21"), "x").get(0);
        assertEquals(Outcome.Kind.DEFERRED, o.kind());
        assertEquals("4.7.5", o.status());
        assertEquals(Outcome.Kind.SENT, deliver(envelope("secure.test", List.of("a@secure.test"), "127.0.0.25"),
                "Subject: required\r\n\r\nx\r\n").get(0).kind());
    }

    @Test
    void oneConnectionCarriesManyMessages() throws Exception {
        MxWalker walker = new MxWalker(vertx, config());
        int before = accepting.messages().size();
        for (int i = 0; i < 5; i++) {
            assertEquals(Outcome.Kind.SENT, deliver(walker, envelope(List.of("r" + i + "@dest.test"), "127.0.0.21"),
                    "Subject: reuse " + i + "\r\n\r\nx\r\n").get(0).kind());
        }
        List<Path> sent = accepting.messages().subList(before, before + 5);
        java.util.Set<String> sessions = new java.util.HashSet<>();
        for (Path p : sent) {
            sessions.add(SmtpSink.session(p).lines().findFirst().orElseThrow());
        }
        assertEquals(1, sessions.size(), "five messages, one connection");
        assertEquals(1, walker.idleConnections());
    }

    /** Two MX hosts of preference 10 (127.0.0.21 and .29), one of 20 that must never be used. */
    private static Envelope twins(int i) {
        Envelope e = envelope(List.of("t" + i + "@dest.test"), "127.0.0.24");
        List<Route.MxHost> mx = List.of(new Route.MxHost("mx-a.test", 10, List.of("127.0.0.21")),
                new Route.MxHost("mx-b.test", 10, List.of("127.0.0.29")),
                new Route.MxHost("backup.test", 20, List.of("127.0.0.22")));
        return e.withRoute(new Route("dest.test", mx, null));
    }

    @Test
    void newConnectionsSpreadOverHostsOfEqualPreference() throws Exception {
        MxWalker walker = new MxWalker(vertx, config(false));
        int beforeA = accepting.messages().size();
        int beforeB = twin.messages().size();
        for (int i = 0; i < 20; i++) {
            assertEquals(Outcome.Kind.SENT, deliver(walker, twins(i), "Subject: spread " + i + "\r\n\r\nx\r\n").get(0).kind());
        }
        int a = accepting.messages().size() - beforeA;
        int b = twin.messages().size() - beforeB;
        assertEquals(20, a + b);
        // All 20 to one host has odds 2^-19 with a fair draw; it was certain with the draw cached.
        assertTrue(a >= 2 && b >= 2, "spread over both: " + a + " and " + b);
    }

    @Test
    void anIdleSessionToAnEqualHostIsReusedBeforeANewConnection() throws Exception {
        MxWalker walker = new MxWalker(vertx, config(true));
        int before = accepting.messages().size() + twin.messages().size();
        for (int i = 0; i < 6; i++) {
            assertEquals(Outcome.Kind.SENT, deliver(walker, twins(i), "Subject: reuse twins " + i + "\r\n\r\nx\r\n").get(0).kind());
        }
        java.util.List<Path> sent = new java.util.ArrayList<>(accepting.messages());
        sent.addAll(twin.messages());
        java.util.Set<String> sessions = new java.util.HashSet<>();
        for (Path p : sent) {
            if (Files.readString(p).contains("Subject: reuse twins")) {
                // Session ids are per sink process: the sink's directory makes them unique.
                sessions.add(p.getParent() + " " + SmtpSink.session(p).lines().findFirst().orElseThrow());
            }
        }
        assertEquals(before + 6, accepting.messages().size() + twin.messages().size());
        assertEquals(1, sessions.size(), "six messages one after the other, one connection: " + sessions);
    }

    @Test
    void pipelinesWithPostfixSmtpSink() throws Exception {
        int sinkPort = Loopback.freePort("127.0.0.26");
        try (var sink = dev.mailpipe.peers.ChildProcess.start("smtp-sink", List.of("smtp-sink", "-u", "nobody",
                "127.0.0.26:" + sinkPort, "10"), tmp, java.util.Map.of(), tmp.resolve("postfix-sink.log"))) {
            Loopback.awaitListening("127.0.0.26", sinkPort, java.time.Duration.ofSeconds(10));
            RelayConfig onSinkPort = portConfig(sinkPort);
            Envelope e = envelope(List.of("a@dest.test", "b@dest.test"), "127.0.0.26");
            List<Outcome> out = new MxWalker(vertx, onSinkPort).deliver(e,
                    OutgoingMessage.unsigned(e, "Subject: p\r\n\r\n.x\r\n".getBytes()))
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertEquals(2, out.size());
            assertTrue(out.stream().allMatch(o -> o.kind() == Outcome.Kind.SENT), out.toString());
        }
    }

    /** The test configuration with another remote port. */
    private static RelayConfig portConfig(int remotePort) {
        RelayConfig base = config();
        return (RelayConfig) java.lang.reflect.Proxy.newProxyInstance(RelayConfig.class.getClassLoader(),
                new Class<?>[] {RelayConfig.class}, (proxy, method, args) ->
                        method.getName().equals("port") ? remotePort : method.invoke(base, args));
    }

    @Test
    void noReplyAfterTheContentDefersRatherThanTryingAnotherHost() throws Exception {
        for (String silent : List.of("127.0.0.27", "127.0.0.28")) {
            int before = accepting.messages().size();
            RelayConfig impatient = (RelayConfig) java.lang.reflect.Proxy.newProxyInstance(RelayConfig.class.getClassLoader(),
                    new Class<?>[] {RelayConfig.class}, (proxy, method, args) ->
                            method.getName().equals("timeout") ? FixedTimeouts.of(Duration.ofSeconds(2)) : method.invoke(config(), args));
            Outcome o = deliver(new MxWalker(vertx, impatient), envelope(List.of("a@dest.test"), silent, "127.0.0.21"),
                    "Subject: maybe\r\n\r\nx\r\n").get(0);
            assertEquals(Outcome.Kind.DEFERRED, o.kind(), silent + ": " + o.detail());
            assertEquals("4.4.2", o.status());
            assertEquals(before, accepting.messages().size(),
                    "the first server may have the message: it is not handed to the second at once");
        }
    }

    @Test
    void noReachableHostDefersEveryRecipient() throws Exception {
        List<Outcome> out = deliver(envelope(List.of("a@dest.test", "b@dest.test"), "127.0.0.24"), "x");
        assertEquals(2, out.size());
        assertTrue(out.stream().allMatch(o -> o.kind() == Outcome.Kind.DEFERRED && o.status().equals("4.4.1")));
    }
}
