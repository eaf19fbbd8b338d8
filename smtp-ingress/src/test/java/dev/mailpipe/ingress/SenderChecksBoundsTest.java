package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The sender checks against a resolver that never answers (a UDP socket on loopback that reads
 * nothing): one deadline for all of a message's checks, a bounded queue, and checks called off.
 */
@Tag("unit")
class SenderChecksBoundsTest {
    private final Vertx vertx = Vertx.vertx();
    private final DatagramSocket silent;
    /** Names no earlier check asked about: dnsjava's cache is the JVM's, and must not answer for the silent resolver. */
    private final String domain = "d" + System.nanoTime() + ".slow.test";
    private final byte[] message = ("From: a@" + domain + "\r\nSubject: x\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII);

    SenderChecksBoundsTest() throws Exception {
        silent = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"));
    }

    @AfterEach
    void close() throws Exception {
        silent.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private SenderChecks checks(Duration deadline, int threads, int queue, SenderChecksConfig.Action temperror) {
        String dns = "127.0.0.1:" + silent.getLocalPort();
        return new SenderChecks(new SenderChecksConfig() {
            public boolean enabled() {
                return true;
            }

            public String authservId() {
                return "mx.example.test";
            }

            public Optional<List<String>> dnsServers() {
                return Optional.of(List.of(dns));
            }

            public Duration dnsTimeout() {
                return Duration.ofSeconds(30);
            }

            public Action dmarcReject() {
                return Action.REJECT;
            }

            public Action dmarcQuarantine() {
                return Action.QUARANTINE;
            }

            public Action dmarcTemperror() {
                return temperror;
            }

            public String quarantineHeader() {
                return "X-Mailpipe-Quarantine";
            }

            public int maxDkimSignatures() {
                return 5;
            }

            public Duration deadline() {
                return deadline;
            }

            public int threads() {
                return threads;
            }

            public int queue() {
                return queue;
            }
        }, new SimpleMeterRegistry());
    }

    private SenderChecks.Verdict verdict(SenderChecks.Checking c) throws Exception {
        return c.verdict().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    @Test
    void checksThatOutliveTheirDeadlineAreTemperrorAndDeferred() throws Exception {
        long start = System.nanoTime();
        SenderChecks.Verdict v = verdict(checks(Duration.ofMillis(500), 2, 4, SenderChecksConfig.Action.DEFER)
                .submit(vertx, "192.0.2.1", "client." + domain, "a@" + domain, message));
        assertEquals("451 4.7.1 Sender checks did not finish in time, try again later", v.refusal().toString());
        assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < 10, "at the deadline, not the DNS timeout");
    }

    @Test
    void underTagTheMessageGoesOnMarkedTemperror() throws Exception {
        SenderChecks.Verdict v = verdict(checks(Duration.ofMillis(500), 2, 4, SenderChecksConfig.Action.TAG)
                .submit(vertx, "192.0.2.1", "client." + domain, "a@" + domain, message));
        String queued = new String(v.message(), StandardCharsets.US_ASCII);
        assertTrue(queued.startsWith("Authentication-Results: mx.example.test;\r\n\tspf=temperror;\r\n\tdkim=temperror;"), queued);
    }

    @Test
    void pastTheQueueAMessageIsToldToComeBackAndACancelledCheckEnds() throws Exception {
        SenderChecks checks = checks(Duration.ofSeconds(30), 1, 1, SenderChecksConfig.Action.DEFER);
        SenderChecks.Checking running = checks.submit(vertx, "192.0.2.1", "a." + domain, "a@" + domain, message);
        Thread.sleep(200); // taken by the one thread
        SenderChecks.Checking waiting = checks.submit(vertx, "192.0.2.2", "b." + domain, "b@" + domain, message);
        SenderChecks.Verdict busy = verdict(checks.submit(vertx, "192.0.2.3", "c." + domain, "c@" + domain, message));
        assertEquals("451 4.3.2 Error: too many messages being checked, try again later", busy.refusal().toString());
        running.cancel().run();
        waiting.cancel().run();
        // CompletableFuture reports a cancellation as such, not wrapped.
        org.junit.jupiter.api.Assertions.assertThrows(CancellationException.class, () -> verdict(running));
    }
}
