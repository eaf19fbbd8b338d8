package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
        return hook(port, onFailure, "before-queue");
    }

    private RspamdHook hook(int port, String onFailure, String mode) {
        RspamdConfig config = TestConfig.of(RspamdConfig.class, java.util.Map.of(
                "mailpipe.ingress.rspamd.url", "http://127.0.0.1:" + port, "mailpipe.ingress.rspamd.timeout", "700ms",
                "mailpipe.ingress.rspamd.on-failure", onFailure, "mailpipe.ingress.rspamd.mode", mode));
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
    void afterTheQueueNothingIsAskedAndAStrangersMessageIsMarkedForTheScanTopic() throws Exception {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        int port = server.getLocalPort();
        server.close(); // were rspamd asked, the answer would be "unscanned"
        RspamdHook hook = hook(port, "defer", "after-queue");
        IncomingMessage stranger = message();
        assertSame(HookResult.NEXT, scan(hook, stranger));
        assertTrue(stranger.scansAfterQueue());
        assertEquals(null, stranger.contentScan(), "no verdict yet: content-filter gives it");
        Session relayNetwork = new Session("s2", "127.0.0.1", true, false);
        IncomingMessage trusted = message();
        assertSame(HookResult.NEXT, hook.data(relayNetwork, transaction(), trusted).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS));
        assertTrue(!trusted.scansAfterQueue(), "the relay networks' mail is never scanned");
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

    /** An HTTP peer that reads the request's head and then writes {@code headers}, then {@code body} as it likes. */
    private int hostile(String headers, java.util.function.Consumer<java.io.OutputStream> body) throws Exception {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    Socket s = server.accept();
                    held.add(s);
                    Thread w = new Thread(() -> {
                        try {
                            s.getInputStream().read(new byte[65536]);
                            s.getOutputStream().write(headers.getBytes(StandardCharsets.US_ASCII));
                            body.accept(s.getOutputStream());
                        } catch (Exception e) {
                            // the client went away
                        }
                    });
                    w.setDaemon(true);
                    w.start();
                }
            } catch (Exception e) {
                // closed
            }
        });
        t.setDaemon(true);
        t.start();
        return server.getLocalPort();
    }

    @Test
    void anAnswerThatTricklesIsCutAtTheWholeScansDeadline() throws Exception {
        int port = hostile("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", out -> {
            try {
                for (int i = 0; i < 1000; i++) {
                    out.write('{');
                    out.flush();
                    Thread.sleep(100); // never silent for long, never done
                }
            } catch (Exception e) {
                // cut off
            }
        });
        long start = System.nanoTime();
        HookResult r = scan(hook(port, "defer"), message());
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(451, r.reply().code());
        assertTrue(took < 3000, "cut at the 700 ms deadline, not the answer's end: " + took + " ms");
    }

    @Test
    void anAnswerLargerThanAnyVerdictIsRefusedAsItStreams() throws Exception {
        int port = hostile("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", out -> {
            try {
                byte[] chunk = ("10000\r\n" + "x".repeat(0x10000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                for (int i = 0; i < 1000; i++) { // 64 MiB offered
                    out.write(chunk);
                }
            } catch (Exception e) {
                // cut off
            }
        });
        IncomingMessage m = message();
        assertSame(HookResult.NEXT, scan(hook(port, "accept"), m));
        assertTrue(m.contentScan().contains("answer longer than"), m.contentScan());
    }
}
