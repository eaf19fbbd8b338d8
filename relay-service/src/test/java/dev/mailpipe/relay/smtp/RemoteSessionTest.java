package dev.mailpipe.relay.smtp;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.relay.FixedTimeouts;
import dev.mailpipe.relay.ScriptedServer;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The client's side of RFC 5321 against scripted transcripts: what it sends, and what each reply means. */
@Tag("unit")
class RemoteSessionTest {
    private static final String ADDRESS = "127.0.0.31";
    static Vertx vertx;
    static NetClient client;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        client = vertx.createNetClient();
    }

    @AfterAll
    static void stop() {
        vertx.close();
    }

    private static Envelope envelope(String... recipients) {
        return Envelope.received("q1", Instant.now(), new Envelope.Client("127.0.0.1", "c.test", false, null), "s@client.test",
                java.util.Arrays.stream(recipients).map(Recipient::of).toList(), 40);
    }

    private static RemoteSession open(int port) throws Exception {
        return SmtpConnection.connect(vertx, client, port, ADDRESS, 2048, 100)
                .compose(conn -> RemoteSession.open(conn, FixedTimeouts.of(Duration.ofSeconds(5)), "relay.test",
                        "mx.dest.test", RemoteSession.TlsPolicy.OPPORTUNISTIC, Deadline.after(Duration.ofMinutes(1))))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static RemoteSession.Result send(RemoteSession s, Envelope e, String message) throws Exception {
        return s.send(e, OutgoingMessage.unsigned(e, message.getBytes(StandardCharsets.UTF_8))).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    @Test
    void pipelinedTransactionWithOneRecipientRefused() throws Exception {
        try (ScriptedServer mx = new ScriptedServer()
                .send("220 mx.dest.test ESMTP")
                .expect("EHLO relay\\.test")
                .send("250-mx.dest.test", "250-PIPELINING", "250-SIZE 1000000", "250 8BITMIME")
                // SIZE is what goes out (20 octets), not the envelope's stored size (40 here).
                .expect("MAIL FROM:<s@client\\.test> SIZE=20")
                .expect("RCPT TO:<a@dest\\.test>")
                .expect("RCPT TO:<b@dest\\.test>")
                .expect("DATA")
                .send("250 2.1.0 ok", "550 5.1.1 no such user", "250 2.1.5 ok", "354 go ahead")
                .expectData()
                .send("250 2.0.0 queued as X")) {
            RemoteSession s = open(mx.start(ADDRESS));
            RemoteSession.Result r = send(s, envelope("a@dest.test", "b@dest.test"), "Subject: t\r\n\r\n.dot\r\n");
            mx.awaitScript();
            assertEquals("Subject: t\r\n\r\n..dot\r\n", mx.data(), "dot-stuffed on the wire");
            assertEquals(List.of("a@dest.test BOUNCED 5.1.1", "b@dest.test SENT 2.0.0"), r.outcomes().stream()
                    .map(o -> o.recipient().address() + " " + o.kind() + " " + o.status()).sorted().toList());
        }
    }

    @Test
    void ehloRefusedFallsBackToHeloAndGoesStepByStep() throws Exception {
        try (ScriptedServer mx = new ScriptedServer()
                .send("220 old.dest.test SMTP")
                .expect("EHLO relay\\.test")
                .send("502 5.5.1 what?")
                .expect("HELO relay\\.test")
                .send("250 old.dest.test")
                .expect("MAIL FROM:<s@client\\.test>")
                .send("250 ok")
                .expect("RCPT TO:<a@dest\\.test>")
                .send("250 ok")
                .expect("DATA")
                .send("354 go")
                .expectData()
                .send("250 done")) {
            RemoteSession s = open(mx.start(ADDRESS));
            RemoteSession.Result r = send(s, envelope("a@dest.test"), "Subject: t\r\n\r\nx\r\n");
            mx.awaitScript();
            assertEquals(Outcome.Kind.SENT, r.outcomes().get(0).kind());
        }
    }

    @Test
    void aTemporaryRefusalOfMailDefersEveryRecipient() throws Exception {
        try (ScriptedServer mx = new ScriptedServer()
                .send("220 busy.dest.test")
                .expect("EHLO relay\\.test")
                .send("250-busy.dest.test", "250 PIPELINING")
                .expect("MAIL FROM:<s@client\\.test>")
                .expect("RCPT TO:<a@dest\\.test>")
                .expect("RCPT TO:<b@dest\\.test>")
                .expect("DATA")
                .send("451 4.3.2 try later", "503 5.5.1 need MAIL", "503 5.5.1 need MAIL", "503 5.5.1 need MAIL")) {
            RemoteSession s = open(mx.start(ADDRESS));
            RemoteSession.Result r = send(s, envelope("a@dest.test", "b@dest.test"), "Subject: t\r\n\r\nx\r\n");
            mx.awaitScript();
            assertEquals(List.of(Outcome.Kind.DEFERRED, Outcome.Kind.DEFERRED), r.outcomes().stream().map(Outcome::kind).toList(),
                    "the RCPT and DATA replies after a refused MAIL say nothing about the recipients");
            assertEquals("4.3.2", r.outcomes().get(0).status());
        }
    }

    /** Step by step, a refused MAIL ends the transaction there, and refused recipients send no DATA. */
    @Test
    void stepByStepNothingFollowsARefusedMailAndNoDataFollowsRefusedRecipients() throws Exception {
        try (ScriptedServer mx = new ScriptedServer()
                .send("220 strict.dest.test")
                .expect("EHLO relay\\.test")
                .send("250 strict.dest.test")
                .expect("MAIL FROM:<s@client\\.test>")
                .send("550 5.7.1 not from you")
                .expect("RSET")
                .send("250 2.0.0 ok")
                .expect("MAIL FROM:<s@client\\.test>")
                .send("250 2.1.0 ok")
                .expect("RCPT TO:<a@dest\\.test>")
                .send("550 5.1.1 no such user")
                .expect("RCPT TO:<b@dest\\.test>")
                .send("450 4.2.1 mailbox busy")
                .expect("RSET")
                .send("250 2.0.0 ok")) {
            RemoteSession s = open(mx.start(ADDRESS));
            RemoteSession.Result refused = send(s, envelope("a@dest.test"), "Subject: t\r\n\r\nx\r\n");
            assertEquals("5.7.1", refused.outcomes().get(0).status());
            assertEquals(Boolean.TRUE, s.reset().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
            RemoteSession.Result none = send(s, envelope("a@dest.test", "b@dest.test"), "Subject: t\r\n\r\nx\r\n");
            assertEquals(List.of("a@dest.test BOUNCED 5.1.1", "b@dest.test DEFERRED 4.2.1"), none.outcomes().stream()
                    .map(o -> o.recipient().address() + " " + o.kind() + " " + o.status()).sorted().toList());
            assertEquals(Boolean.TRUE, s.reset().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS),
                    "the session is still good: no DATA was sent");
            mx.awaitScript();
        }
    }

    @Test
    void aGreetingOtherThan220MeansTryTheNextServer() throws Exception {
        try (ScriptedServer mx = new ScriptedServer().send("554 5.7.1 go away")) {
            int port = mx.start(ADDRESS);
            ExecutionException e = assertThrows(ExecutionException.class, () -> open(port));
            assertInstanceOf(RemoteSession.Refused.class, e.getCause());
        }
    }

    @Test
    void mailNeedingSmtputf8BouncesWhereTheServerLacksIt() throws Exception {
        try (ScriptedServer mx = new ScriptedServer()
                .send("220 ascii.dest.test")
                .expect("EHLO relay\\.test")
                .send("250-ascii.dest.test", "250 PIPELINING")) {
            RemoteSession s = open(mx.start(ADDRESS));
            Envelope utf8 = envelope("a@dest.test").withMailParameters(Envelope.BodyType.EIGHT_BIT_MIME, true, null, null);
            RemoteSession.Result r = send(s, utf8, "Subject: caf\u00e9\r\n\r\nx\r\n");
            mx.awaitScript();
            assertEquals("BOUNCED 5.6.7", r.outcomes().get(0).kind() + " " + r.outcomes().get(0).status());
            assertEquals(List.of("EHLO relay.test"), mx.received(), "no transaction was started");
        }
    }

    @Test
    void dsnParametersGoOnlyToAServerThatOffersDsn() throws Exception {
        try (ScriptedServer mx = new ScriptedServer()
                .send("220 dsn.dest.test")
                .expect("EHLO relay\\.test")
                .send("250-dsn.dest.test", "250-DSN", "250 8BITMIME")
                .expect("MAIL FROM:<s@client\\.test> BODY=8BITMIME RET=HDRS ENVID=QQ\\+2B1")
                .send("250 ok")
                .expect("RCPT TO:<a@dest\\.test> NOTIFY=FAILURE,DELAY ORCPT=rfc822;a@dest\\.test")
                .send("250 ok")
                .expect("DATA")
                .send("354 go")
                .expectData()
                .send("250 done")) {
            RemoteSession s = open(mx.start(ADDRESS));
            Envelope e = Envelope.received("q2", Instant.now(), new Envelope.Client("127.0.0.1", "c.test", false, null),
                    "s@client.test", List.of(Recipient.of("a@dest.test", "rfc822;a@dest.test", "FAILURE,DELAY")), 40)
                    .withMailParameters(Envelope.BodyType.EIGHT_BIT_MIME, false, Envelope.Ret.HDRS, "QQ+2B1");
            send(s, e, "Subject: t\r\n\r\nx\r\n");
            mx.awaitScript();
        }
    }
}
