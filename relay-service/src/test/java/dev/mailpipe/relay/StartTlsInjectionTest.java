package dev.mailpipe.relay;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.Route;
import dev.mailpipe.peers.Loopback;
import dev.mailpipe.peers.TestCa;
import dev.mailpipe.relay.smtp.Outcome;
import dev.mailpipe.relay.smtp.OutgoingMessage;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RFC 3207 4.2 and the CVE-2021-38371 class: what a man in the middle injects in clear after the
 * MX's {@code 220} to STARTTLS must never be read as replies inside TLS. The hostile MX here does
 * real TLS after its 220 and, inside TLS, turns the mail away with 451; in clear, in the same
 * segment as its 220, it has already "accepted" a whole transaction.
 */
@Tag("unit")
class StartTlsInjectionTest {
    private static final String MX = "127.0.0.44";
    @TempDir
    Path tmp;
    private Vertx vertx;
    private NetServer server;
    private int port;
    private final List<String> heardInsideTls = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        port = Loopback.freePort(MX);
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /**
     * An MX that offers STARTTLS and answers it with {@code afterStartTls} (the 220 and what follows
     * it in the same write), then does TLS and refuses MAIL with 451.
     */
    private void hostileMx(String afterStartTls) throws Exception {
        TestCa ca = TestCa.create(tmp.resolve("ca"));
        Path[] cert = ca.issue("mx", "mx.pf.test");
        NetServerOptions options = new NetServerOptions().setHost(MX).setPort(port)
                .setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert[0].toString()).setKeyPath(cert[1].toString()));
        server = vertx.createNetServer(options).connectHandler(socket -> {
            AtomicBoolean tls = new AtomicBoolean();
            socket.write("220 mx.pf.test ESMTP\r\n");
            socket.handler(RecordParser.newDelimited("\r\n", line -> answer(socket, tls, line.toString(StandardCharsets.US_ASCII),
                    afterStartTls)));
        });
        server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private void answer(NetSocket socket, AtomicBoolean tls, String line, String afterStartTls) {
        String verb = line.split(" ", 2)[0].toUpperCase();
        if (tls.get()) {
            heardInsideTls.add(line);
        }
        Consumer<String> say = s -> socket.write(Buffer.buffer(s.getBytes(StandardCharsets.US_ASCII)));
        switch (verb) {
            case "EHLO" -> say.accept(tls.get() ? "250 mx.pf.test\r\n" : "250-mx.pf.test\r\n250 STARTTLS\r\n");
            case "STARTTLS" -> {
                say.accept(afterStartTls);
                socket.upgradeToSsl();
                tls.set(true);
            }
            case "MAIL" -> say.accept("451 4.3.0 not now\r\n");
            case "RSET", "NOOP" -> say.accept("250 2.0.0 ok\r\n");
            case "QUIT" -> {
                say.accept("221 2.0.0 bye\r\n");
                socket.close();
            }
            default -> say.accept("503 5.5.1 out of order\r\n");
        }
    }

    private Outcome deliver() throws Exception {
        MxWalker walker = new MxWalker(vertx, new TestRelayConfig(port, FixedTimeouts.of(Duration.ofSeconds(5))));
        Envelope e = Envelope.received("inj", Instant.now(), new Envelope.Client("127.0.0.1", "c.test", false, null),
                "s@client.test", List.of(Recipient.of("bob@pf.test")), 30)
                .withRoute(new Route("pf.test", List.of(new Route.MxHost("mx.pf.test", 10, List.of(MX))), null));
        return walker.deliver(e, OutgoingMessage.unsigned(e, "Subject: t\r\n\r\nx\r\n".getBytes()))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).get(0);
    }

    @Test
    void repliesInjectedAfterThe220ToStartTlsAreNeverTakenForTheServers() throws Exception {
        hostileMx("220 2.0.0 Ready to start TLS\r\n250 mx.pf.test\r\n250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go ahead\r\n"
                + "250 2.0.0 injected-accept\r\n");
        Outcome o = deliver();
        assertEquals(Outcome.Kind.DEFERRED, o.kind(), o.toString());
        assertFalse(o.detail().contains("injected-accept"), o.detail());
        assertTrue(o.detail().contains("plain text after the 220 to STARTTLS"), o.detail());
        assertTrue(heardInsideTls.isEmpty(), "the connection was dropped, not used: " + heardInsideTls);
    }

    @Test
    void aPartialLineInjectedAfterThe220IsRefusedToo() throws Exception {
        // Without a line end the injected text would be glued to the first reply inside TLS.
        hostileMx("220 2.0.0 Ready to start TLS\r\n250-");
        Outcome o = deliver();
        assertEquals(Outcome.Kind.DEFERRED, o.kind(), o.toString());
        assertTrue(o.detail().contains("plain text after the 220 to STARTTLS"), o.detail());
    }

    @Test
    void aClean220GoesOnIntoTlsWhereTheServersOwnAnswerCounts() throws Exception {
        hostileMx("220 2.0.0 Ready to start TLS\r\n");
        Outcome o = deliver();
        assertEquals(Outcome.Kind.DEFERRED, o.kind(), o.toString());
        assertTrue(o.detail().contains("451 4.3.0 not now"), "the reply given inside TLS: " + o.detail());
        assertTrue(heardInsideTls.stream().anyMatch(l -> l.startsWith("MAIL FROM:<s@client.test>")), heardInsideTls.toString());
    }
}
