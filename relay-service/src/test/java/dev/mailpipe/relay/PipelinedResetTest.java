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
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A reused connection owes RSET before its next transaction (RFC 5321 4.1.1.5); to a server that
 * offers PIPELINING it goes in one write with that transaction's MAIL, RCPT and DATA (RFC 2920 3.1).
 */
@Tag("unit")
class PipelinedResetTest {
    private static final String MX = "127.0.0.43";
    private Vertx vertx;
    private int port;
    private MxWalker walker;
    private ScriptedServer server;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        port = Loopback.freePort(MX);
        walker = new MxWalker(vertx, new TestRelayConfig(port,
                new FixedTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10)), true));
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Greeting, EHLO with PIPELINING, one pipelined transaction. */
    private static ScriptedServer firstTransaction() {
        return new ScriptedServer().send("220 mx.dest.test").expect("EHLO relay\\.test")
                .send("250-mx.dest.test", "250 PIPELINING")
                .expect("MAIL FROM:<s@client\\.test>").expect("RCPT TO:<a@dest\\.test>").expect("DATA")
                .send("250 ok", "250 ok", "354 go").expectData().send("250 2.0.0 first queued");
    }

    private Outcome deliver(String id) throws Exception {
        Envelope e = Envelope.received(id, Instant.now(), new Envelope.Client("127.0.0.1", "c.test", false, null),
                "s@client.test", List.of(Recipient.of("a@dest.test")), 30)
                .withRoute(new Route("dest.test", List.of(new Route.MxHost("mx.dest.test", 10, List.of(MX))), null));
        return walker.deliver(e, OutgoingMessage.unsigned(e, ("Subject: " + id + "\r\n\r\nx\r\n").getBytes()))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).get(0);
    }

    @Test
    void theResetGoesOutWithTheNextTransactionsCommandsWithoutAwaitingItsReply() throws Exception {
        // The server answers nothing until it has read RSET, MAIL, RCPT and DATA: a client that
        // waited for the RSET's reply first would stall here and the delivery would be deferred.
        server = firstTransaction().expect("RSET").expect("MAIL FROM:<s@client\\.test>").expect("RCPT TO:<a@dest\\.test>")
                .expect("DATA").send("250 2.0.0 reset", "250 ok", "250 ok", "354 go").expectData()
                .send("250 2.0.0 second queued");
        server.start(MX, port);
        assertEquals(Outcome.Kind.SENT, deliver("first").kind());
        Outcome second = deliver("second");
        assertEquals(Outcome.Kind.SENT, second.kind(), second.detail());
        assertTrue(second.detail().contains("second queued"), second.detail());
        server.awaitScript();
        assertTrue(server.data().contains("Subject: second"), server.data());
    }

    @Test
    void aPooledConnectionThatRefusesItsResetIsReplacedAndTheMailGoesOnANewOne() throws Exception {
        ScriptedServer fresh = firstTransaction();
        server = firstTransaction().expect("RSET").expect("MAIL FROM:.*").expect("RCPT TO:.*").expect("DATA")
                .send("421 4.4.2 mx.dest.test idle too long, closing").thenNextConnection(fresh);
        server.start(MX, port);
        assertEquals(Outcome.Kind.SENT, deliver("first").kind());
        Outcome second = deliver("second");
        assertEquals(Outcome.Kind.SENT, second.kind(), second.detail());
        server.awaitScript();
        fresh.awaitScript();
        assertTrue(fresh.data().contains("Subject: second"), fresh.data());
        assertTrue(!server.data().contains("Subject: second"), "nothing was sent on the refused connection");
    }
}
