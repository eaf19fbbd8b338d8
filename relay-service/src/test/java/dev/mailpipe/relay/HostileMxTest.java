package dev.mailpipe.relay;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.Route;
import dev.mailpipe.peers.Loopback;
import dev.mailpipe.relay.smtp.Outcome;
import dev.mailpipe.relay.smtp.OutgoingMessage;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Servers that greet forever, send a line without end, fall silent, or answer each command just in
 * time: each costs a delivery no more than its timeouts (a second per phase here, five for the
 * whole delivery), bounded memory, and the next MX host when there is one.
 */
@Tag("unit")
class HostileMxTest {
    private static final String HOSTILE = "127.0.0.41";
    private static final String HEALTHY = "127.0.0.42";
    private final List<ScriptedServer> servers = new ArrayList<>();
    private Vertx vertx;
    private int port;
    private MxWalker walker;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        port = Loopback.freePort(HOSTILE);
        walker = new MxWalker(vertx, new TestRelayConfig(port,
                new FixedTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(5))));
    }

    @AfterEach
    void stop() throws Exception {
        for (ScriptedServer s : servers) {
            s.close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private ScriptedServer serve(String address, ScriptedServer script) throws Exception {
        servers.add(script);
        script.start(address, port);
        return script;
    }

    private static ScriptedServer accepting() {
        return new ScriptedServer().send("220 healthy.dest.test").expect("EHLO relay\\.test").send("250 healthy.dest.test")
                .expect("MAIL FROM:<s@client\\.test>").send("250 ok").expect("RCPT TO:<a@dest\\.test>").send("250 ok")
                .expect("DATA").send("354 go").expectData().send("250 2.0.0 queued");
    }

    private Outcome deliver(String... addresses) throws Exception {
        List<Route.MxHost> hosts = new ArrayList<>();
        for (int i = 0; i < addresses.length; i++) {
            hosts.add(new Route.MxHost("mx" + i + ".dest.test", 10 * (i + 1), List.of(addresses[i])));
        }
        Envelope e = Envelope.received("h1", Instant.now(), new Envelope.Client("127.0.0.1", "c.test", false, null),
                "s@client.test", List.of(Recipient.of("a@dest.test")), 30).withRoute(new Route("dest.test", hosts, null));
        return walker.deliver(e, OutgoingMessage.unsigned(e, "Subject: t\r\n\r\nx\r\n".getBytes())).toCompletionStage().toCompletableFuture()
                .get(30, TimeUnit.SECONDS).get(0);
    }

    /**
     * With waits far longer than the test allows itself, only the caps on reply lines and line
     * length can explain the walker moving on in time.
     */
    private void patientWalker() {
        walker = new MxWalker(vertx, new TestRelayConfig(port, new FixedTimeouts(Duration.ofMinutes(5), Duration.ofMinutes(10))));
    }

    @Test
    void anEndlessMultiLineGreetingIsCutAndTheNextMxTakesTheMail() throws Exception {
        patientWalker();
        ScriptedServer endless = serve(HOSTILE, new ScriptedServer().flood("220-welcome, and welcome again\r\n"));
        ScriptedServer healthy = serve(HEALTHY, accepting());
        assertEquals(Outcome.Kind.SENT, deliver(HOSTILE, HEALTHY).kind());
        healthy.awaitScript();
        endless.floodEnded.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aLineWithoutEndIsCutAtTheLimitAndTheNextMxTakesTheMail() throws Exception {
        patientWalker();
        ScriptedServer huge = serve(HOSTILE, new ScriptedServer().flood("x".repeat(8192)));
        serve(HEALTHY, accepting());
        assertEquals(Outcome.Kind.SENT, deliver(HOSTILE, HEALTHY).kind());
        huge.floodEnded.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aServerThatSaysOkToEverythingHasDeliveredNothing() throws Exception {
        // 250 to DATA instead of 354: no content went, so no recipient may count as sent.
        patientWalker();
        ScriptedServer yes = serve(HOSTILE, new ScriptedServer().send("220 yes.dest.test").flood("250 2.0.0 ok\r\n"));
        Outcome o = deliver(HOSTILE);
        assertEquals(Outcome.Kind.DEFERRED, o.kind(), o.detail());
        assertTrue(o.detail().contains("DATA answered 250 instead of 354"), o.detail());
        yes.floodEnded.get(10, TimeUnit.SECONDS);
    }

    @Test
    void controlCharactersInAReplyNeverReachTheOutcome() throws Exception {
        serve(HOSTILE, new ScriptedServer().send("220 evil.dest.test").expect("EHLO relay\\.test").send("250 evil")
                .expect("MAIL FROM:.*").send("550 5.7.1 no\rINFO forged\u001b[2J line\u2028here"));
        Outcome o = deliver(HOSTILE);
        assertEquals(Outcome.Kind.BOUNCED, o.kind(), o.detail());
        assertEquals("smtp; 550 5.7.1 no?INFO forged?[2J line?here", o.detail());
    }

    @Test
    void silenceAfterEhloMovesOnWithinTheCommandTimeout() throws Exception {
        serve(HOSTILE, new ScriptedServer().send("220 mute.dest.test").expect("EHLO relay\\.test").hold());
        serve(HEALTHY, accepting());
        assertEquals(Outcome.Kind.SENT, deliver(HOSTILE, HEALTHY).kind());
    }

    @Test
    void silenceAfterTheContentDefersInsteadOfSendingTwice() throws Exception {
        serve(HOSTILE, new ScriptedServer().send("220 mute.dest.test").expect("EHLO relay\\.test").send("250 mute")
                .expect("MAIL FROM:.*").send("250 ok").expect("RCPT TO:.*").send("250 ok").expect("DATA").send("354 go")
                .expectData().hold());
        ScriptedServer healthy = serve(HEALTHY, accepting());
        Outcome o = deliver(HOSTILE, HEALTHY);
        assertEquals(Outcome.Kind.DEFERRED, o.kind(), o.detail());
        assertEquals("4.4.2", o.status());
        assertTrue(o.detail().contains("no reply within PT1S"), o.detail());
        assertTrue(healthy.received().isEmpty(), "the first server may have the message: not handed to the next");
    }

    @Test
    void aServerAnsweringJustInTimeIsStoppedByTheDeliveryBudget() throws Exception {
        // Each reply comes 2 s after its command, inside the 3 s timeout; the third would pass the 5 s budget.
        walker = new MxWalker(vertx, new TestRelayConfig(port, new FixedTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(5))));
        serve(HOSTILE, new ScriptedServer().pause(2000).send("220 slow.dest.test")
                .expect("EHLO relay\\.test").pause(2000).send("502 5.5.1 say it again")
                .expect("HELO relay\\.test").pause(2000).send("250 slow")
                .expect("MAIL FROM:.*").pause(2000).send("250 ok").hold());
        Outcome o = deliver(HOSTILE);
        assertEquals(Outcome.Kind.DEFERRED, o.kind(), o.detail());
        assertTrue(o.detail().contains("the delivery's time budget of PT5S is used up"), o.detail());
    }
}
