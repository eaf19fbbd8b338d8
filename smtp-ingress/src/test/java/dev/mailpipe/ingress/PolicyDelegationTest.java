package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.model.MailAddress;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The policy client over real sockets against servers that misbehave: one that never answers, one
 * that closes idle connections, and what a request carries.
 */
@Tag("unit")
class PolicyDelegationTest {
    private final Vertx vertx = Vertx.vertx();
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private ServerSocket server;

    @AfterEach
    void close() throws Exception {
        for (Socket s : accepted) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private PolicyDelegation delegation(String timeout) throws Exception {
        DoorConfig door = TestConfig.of(DoorConfig.class, java.util.Map.of(
                "mailpipe.ingress.door.policy.service", "127.0.0.1:" + server.getLocalPort(),
                "mailpipe.ingress.door.policy.timeout", timeout));
        return new PolicyDelegation(vertx, door.policy(), new IngressMetrics(new SimpleMeterRegistry()));
    }

    private static Session session() {
        Session s = new Session("t1", "127.0.0.90", false, false);
        s.helo = "client.test";
        s.esmtp = true;
        return s;
    }

    private static MailTransaction transaction() {
        return new MailTransaction("someone@sender.test", new EsmtpParameters.Mail(
                dev.mailpipe.model.Envelope.BodyType.SEVEN_BIT, false, null, null));
    }

    private HookResult ask(PolicyDelegation policy) throws Exception {
        return policy.rcpt(session(), transaction(), new MailAddress("alice", "example.test"))
                .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    /** A server that reads requests and answers each with {@code actions} in turn, closing after {@code perConnection}. */
    private List<List<String>> serve(int perConnection, String... actions) throws Exception {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        List<List<String>> requests = new CopyOnWriteArrayList<>();
        Thread t = new Thread(() -> {
            int next = 0;
            try {
                while (true) {
                    Socket s = server.accept();
                    accepted.add(s);
                    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                    for (int n = 0; n < perConnection; n++) {
                        List<String> request = new ArrayList<>();
                        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                            request.add(line);
                        }
                        requests.add(request);
                        s.getOutputStream().write(("action=" + actions[next++ % actions.length] + "\n\n")
                                .getBytes(StandardCharsets.UTF_8));
                    }
                    s.close();
                }
            } catch (Exception e) {
                // the test is over
            }
        });
        t.setDaemon(true);
        t.start();
        return requests;
    }

    @Test
    void aServerThatHangsGetsTheDefaultActionWithinTheTimeout() throws Exception {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    accepted.add(server.accept()); // reads nothing, answers nothing
                }
            } catch (Exception e) {
                // closed
            }
        });
        t.setDaemon(true);
        t.start();
        long start = System.nanoTime();
        HookResult r = ask(delegation("700ms"));
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals("451 4.3.5 Server configuration problem", r.reply().toBuffer().toString().trim());
        assertTrue(took >= 650 && took < 3000, took + " ms");
    }

    @Test
    void aServerThatIsDownGetsTheDefaultActionAtOnce() throws Exception {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        PolicyDelegation policy = delegation("5s");
        server.close();
        long start = System.nanoTime();
        assertEquals(451, ask(policy).reply().code());
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 2000);
    }

    @Test
    void requestsCarryThePostfixAttributesAndConnectionsAreReused() throws Exception {
        List<List<String>> requests = serve(100, "DUNNO", "OK");
        PolicyDelegation policy = delegation("5s");
        assertSame(HookResult.NEXT, ask(policy));
        assertSame(HookResult.ACCEPT, ask(policy));
        assertEquals(1, accepted.size(), "one connection for both");
        List<String> first = requests.get(0);
        for (String attribute : List.of("request=smtpd_access_policy", "protocol_state=RCPT", "protocol_name=ESMTP",
                "helo_name=client.test", "sender=someone@sender.test", "recipient=alice@example.test",
                "client_address=127.0.0.90", "client_name=unknown")) {
            assertTrue(first.contains(attribute), attribute + " in " + first);
        }
        assertTrue(first.stream().anyMatch(a -> a.startsWith("instance=t1.")), first.toString());
    }

    @Test
    void aConnectionTheServerClosedWhileIdleIsReplacedNotFailed() throws Exception {
        serve(1, "REJECT go away");
        PolicyDelegation policy = delegation("5s");
        assertEquals(554, ask(policy).reply().code());
        Thread.sleep(200); // the server has closed the first connection meanwhile
        HookResult second = ask(policy);
        assertEquals("554 5.7.1 <alice@example.test>: Recipient address rejected: go away",
                second.reply().toBuffer().toString().trim());
        assertEquals(2, accepted.size());
    }

    @Test
    void anAnswerThatNeverEndsGetsTheDefaultActionNotTheMemory() throws Exception {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            try {
                Socket s = server.accept();
                accepted.add(s);
                byte[] junk = "action=DUNNO".repeat(1000).getBytes(StandardCharsets.US_ASCII); // no empty line, ever
                for (int i = 0; i < 1000; i++) {
                    s.getOutputStream().write(junk);
                }
            } catch (Exception e) {
                // the client cut it off
            }
        });
        t.setDaemon(true);
        t.start();
        long start = System.nanoTime();
        HookResult r = ask(delegation("5s"));
        assertEquals("451 4.3.5 Server configuration problem", r.reply().toBuffer().toString().trim());
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 3000, "refused as it streamed, not at the timeout");
    }
}
