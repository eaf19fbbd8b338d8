package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** rspamd away or silent: the configured action within the timeout, never a lost or unmarked message. */
@Tag("unit")
class RspamdHookTest {
    private final Vertx vertx = Vertx.vertx();
    private final List<Socket> held = new CopyOnWriteArrayList<>();
    private ServerSocket server;

    @AfterEach
    void close() throws Exception {
        for (Socket s : held) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private RspamdHook hook(int port, String onFailure) {
        RspamdConfig config = new SmallRyeConfigBuilder().withMapping(RspamdConfig.class)
                .withConverter(java.time.Duration.class, 200, new io.quarkus.runtime.configuration.DurationConverter())
                .withDefaultValue("mailpipe.ingress.rspamd.url", "http://127.0.0.1:" + port)
                .withDefaultValue("mailpipe.ingress.rspamd.timeout", "700ms")
                .withDefaultValue("mailpipe.ingress.rspamd.on-failure", onFailure)
                .build().getConfigMapping(RspamdConfig.class);
        return new RspamdHook(vertx, config, new IngressMetrics(new SimpleMeterRegistry()));
    }

    private static MailTransaction transaction() {
        MailTransaction t = new MailTransaction("a@b.test", new EsmtpParameters.Mail(
                dev.mailpipe.model.Envelope.BodyType.SEVEN_BIT, false, null, null));
        t.id = "q1";
        t.recipients.add(dev.mailpipe.model.Recipient.of("alice@example.test"));
        return t;
    }

    private HookResult scan(RspamdHook hook, IncomingMessage m) throws Exception {
        Session s = new Session("s1", "198.51.100.7", false, false);
        s.helo = "client.test";
        return hook.data(s, transaction(), m).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static IncomingMessage message() {
        return new IncomingMessage("Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII), 0);
    }

    @Test
    void rspamdThatCannotBeReachedLeavesTheMessageQueuedUnscannedOrDeferred() throws Exception {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        int port = server.getLocalPort();
        server.close();
        IncomingMessage m = message();
        assertSame(HookResult.NEXT, scan(hook(port, "accept"), m));
        assertTrue(m.contentScan().startsWith("unscanned: "), m.contentScan());
        HookResult deferred = scan(hook(port, "defer"), message());
        assertEquals("451 4.7.1 Error: content scanner unavailable, try again later", deferred.reply().toBuffer().toString().trim());
    }

    @Test
    void rspamdThatHangsGetsTheFailureActionWithinTheTimeout() throws Exception {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    held.add(server.accept()); // reads nothing, answers nothing
                }
            } catch (Exception e) {
                // closed
            }
        });
        t.setDaemon(true);
        t.start();
        long start = System.nanoTime();
        HookResult r = scan(hook(server.getLocalPort(), "defer"), message());
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(451, r.reply().code());
        assertTrue(took >= 600 && took < 5000, took + " ms");
    }
}
