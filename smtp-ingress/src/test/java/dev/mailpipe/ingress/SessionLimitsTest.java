package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.kafka.LocalKafkaResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Early talkers, connection limits, idle timeout, error limit, and the PROXY protocol listener. */
@QuarkusTest
@TestProfile(LimitsProfile.class)
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@Tag("service")
class SessionLimitsTest {
    @Inject
    SmtpIngress ingress;

    @Test
    void aClientThatTalksBeforeTheGreetingIsRefused() throws Exception {
        // Its own address: one that passed before would be greeted at once.
        try (SmtpTestClient c = SmtpTestClient.connectFrom("127.0.0.45", ingress.port())) {
            c.write("EHLO hasty.test\r\n");
            assertEquals("554 5.5.1 Error: talked before the greeting; SMTP protocol synchronization", c.reply());
            assertTrue(c.closedByServer());
        }
        try (SmtpTestClient c = SmtpTestClient.connectFrom("127.0.0.45", ingress.port())) {
            assertTrue(c.reply().startsWith("220 "), "a patient client is greeted");
        }
    }

    @Test
    void aClientThatWaitedOnceIsGreetedAtOnceAfterwards() throws Exception {
        long first = greetingMillis("127.0.0.46");
        assertTrue(first >= 350, "a new address waits for the 400 ms pregreet: " + first + " ms");
        long again = greetingMillis("127.0.0.46");
        assertTrue(again < 300, "it passed: greeted at once, " + again + " ms");
        assertTrue(greetingMillis("127.0.0.47") >= 350, "another address still waits");
    }

    private long greetingMillis(String from) throws Exception {
        long start = System.nanoTime();
        try (SmtpTestClient c = SmtpTestClient.connectFrom(from, ingress.port())) {
            assertTrue(c.reply().startsWith("220 "));
            return (System.nanoTime() - start) / 1_000_000;
        }
    }

    @Test
    void tooManyConnectionsFromOneClientGet421() throws Exception {
        List<SmtpTestClient> open = new ArrayList<>();
        try {
            // Connected together, so that none reaches the 1 s idle timeout of this profile.
            for (int i = 0; i < 3; i++) {
                open.add(SmtpTestClient.connect(ingress.port()));
            }
            for (SmtpTestClient c : open) {
                assertTrue(c.reply().startsWith("220 "));
            }
            try (SmtpTestClient fourth = SmtpTestClient.connect(ingress.port())) {
                assertEquals("421 4.7.0 mailpipe.localhost Error: too many connections from 127.0.0.1", fourth.reply());
                assertTrue(fourth.closedByServer());
            }
        } finally {
            for (SmtpTestClient c : open) {
                c.close();
            }
        }
    }

    /** Writes {@code chunk} every 200 ms from another thread until the connection breaks. */
    private static Thread dribble(SmtpTestClient c, String chunk) {
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    c.write(chunk);
                    Thread.sleep(200);
                }
            } catch (Exception stopped) {
                // the server closed the connection, or the test ended
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void aClientDribblingACommandGetsNoMoreTimeThanASilentOne() throws Exception {
        // A byte every 200 ms never ends a line: the command's 1 s runs from the greeting, not from
        // the last byte (which would leave only the 3 s session limit).
        try (SmtpTestClient c = SmtpTestClient.connect(ingress.port())) {
            c.reply();
            dribble(c, "N");
            assertEquals("421 4.4.2 mailpipe.localhost Error: timeout exceeded", c.reply());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void messageDataSlowerThanTheMinimumRateEndsTheSession() throws Exception {
        // 1 s for the message, plus a second per 100 octets: 5 octets every 200 ms never catch up.
        try (SmtpTestClient c = SmtpTestClient.greeted(ingress.port())) {
            c.send("MAIL FROM:<a@y.test>");
            c.send("RCPT TO:<alice@example.test>");
            assertTrue(c.send("DATA").startsWith("354"));
            dribble(c, "x-x-x");
            assertEquals("421 4.4.2 mailpipe.localhost Error: message data arriving too slowly", c.reply());
        }
    }

    @Test
    void anIdleClientIsDisconnected() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(ingress.port())) {
            c.reply();
            // Says nothing: the next reply is the server's, after the 1 s idle limit.
            assertEquals("421 4.4.2 mailpipe.localhost Error: timeout exceeded", c.reply());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void aBusySessionStillEndsAtTheSessionTimeLimit() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(ingress.port())) {
            c.reply();
            long start = System.nanoTime();
            String reply = "";
            while (System.nanoTime() - start < 6_000_000_000L) {
                reply = c.send("NOOP");
                if (!reply.startsWith("250")) {
                    break;
                }
                Thread.sleep(300);
            }
            assertEquals("421 4.4.2 mailpipe.localhost Error: session time limit exceeded", reply);
        }
    }

    @Test
    void tooManyErrorsEndTheSession() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(ingress.port())) {
            c.reply();
            c.send("BOGUS 1");
            c.send("BOGUS 2");
            c.write("BOGUS 3\r\n");
            assertEquals("500 5.5.2 Error: command not recognized", c.reply());
            assertEquals("421 4.7.0 mailpipe.localhost Error: too many errors", c.reply());
            assertTrue(c.closedByServer());
        }
    }

    /**
     * A flood of connections from one address and slow clients from others (one idle, one that
     * trickles a byte at a time): the per-client limit refuses the flood at once, the slow ones end
     * at their time limits, and a well-behaved client from elsewhere is served within a second.
     */
    @Test
    void aFloodAndSlowClientsDoNotKeepAWellBehavedClientWaiting() throws Exception {
        List<SmtpTestClient> flood = new ArrayList<>();
        try (SmtpTestClient idle = SmtpTestClient.connectFrom("127.0.0.5", ingress.port());
                SmtpTestClient trickler = SmtpTestClient.connectFrom("127.0.0.6", ingress.port())) {
            for (int i = 0; i < 60; i++) {
                flood.add(SmtpTestClient.connectFrom("127.0.0.4", ingress.port()));
            }
            // Read here: an assertion inside the thread below could never fail the test.
            assertTrue(trickler.reply().startsWith("220 "));
            Thread trickle = new Thread(() -> {
                try {
                    for (String b : "NOOP NOOP NOOP NOOP NOOP NOOP NOOP".split("")) {
                        trickler.write(b);
                        Thread.sleep(150);
                    }
                } catch (Exception e) {
                    // The server hung up on it: that is the point.
                }
            });
            trickle.start();
            long start = System.nanoTime();
            try (SmtpTestClient good = SmtpTestClient.connectFrom("127.0.0.3", ingress.port())) {
                assertTrue(good.reply().startsWith("220 "), "greeted after the greeting delay");
                assertTrue(good.send("EHLO good.test").startsWith("250"));
                assertEquals("250 2.1.0 Ok", good.send("MAIL FROM:<a@y.test>"));
                assertEquals("250 2.1.5 Ok", good.send("RCPT TO:<alice@example.test>"));
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertTrue(millis < 1000, "served within a second, took " + millis + " ms");
            }
            int refused = 0;
            for (SmtpTestClient c : flood) {
                if (c.reply().startsWith("421 4.7.0")) {
                    refused++;
                }
            }
            assertEquals(57, refused, "beyond 3 sessions per client the flood is refused");
            // Both hit the command timeout (1 s): the trickler's bytes never end a line, so they buy it nothing.
            assertTrue(idle.reply().startsWith("220 "));
            assertEquals("421 4.4.2 mailpipe.localhost Error: timeout exceeded", idle.reply());
            assertEquals("421 4.4.2 mailpipe.localhost Error: timeout exceeded", trickler.reply());
            trickle.join(10_000);
        } finally {
            for (SmtpTestClient c : flood) {
                c.close();
            }
        }
    }

    /** A pipelining client learns of the recipient limit only after it sent DATA (RFC 5321 4.5.3.1.10). */
    @Test
    void excessRecipientsGet452AndTheTransactionGoesOnForTheAcceptedOnes() throws Exception {
        String marker = "marker-" + java.util.UUID.randomUUID();
        StringBuilder pipelined = new StringBuilder("MAIL FROM:<a@y.test>\r\n");
        // Limit 5, overshoot 4, error limit 3: 6 excess recipients are 2 errors, one short of 421.
        for (int i = 0; i < 11; i++) {
            pipelined.append("RCPT TO:<alice+").append(i).append("@example.test>\r\n");
        }
        pipelined.append("DATA\r\n");
        try (SmtpTestClient c = SmtpTestClient.greeted(ingress.port())) {
            c.write(pipelined.toString());
            assertEquals("250 2.1.0 Ok", c.reply());
            for (int i = 0; i < 5; i++) {
                assertEquals("250 2.1.5 Ok", c.reply());
            }
            for (int i = 0; i < 6; i++) {
                assertEquals("452 4.5.3 Error: too many recipients", c.reply());
            }
            assertTrue(c.reply().startsWith("354"));
            assertTrue(c.send("Subject: " + marker + "\r\n\r\nhi\r\n.").startsWith("250 2.0.0 Ok: queued as "));
        }
        var records = InboundTopic.containing(marker);
        assertEquals(1, records.size());
        var envelope = dev.mailpipe.model.MailRecords.envelope(records.get(0));
        assertEquals(List.of("alice+0@example.test", "alice+1@example.test", "alice+2@example.test",
                "alice+3@example.test", "alice+4@example.test"), envelope.recipients().stream().map(r -> r.address()).toList());
    }

    @Test
    void excessRecipientsPastTheOvershootLimitCountAsErrors() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.greeted(ingress.port())) {
            c.send("MAIL FROM:<a@y.test>");
            for (int i = 0; i < 5; i++) {
                assertEquals("250 2.1.5 Ok", c.send("RCPT TO:<alice+" + i + "@example.test>"));
            }
            for (int i = 0; i < 6; i++) {
                assertEquals("452 4.5.3 Error: too many recipients", c.send("RCPT TO:<bob+" + i + "@example.test>"));
            }
            c.write("RCPT TO:<bob+7@example.test>\r\n");
            assertEquals("452 4.5.3 Error: too many recipients", c.reply());
            assertEquals("421 4.7.0 mailpipe.localhost Error: too many errors", c.reply());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void theProxyProtocolListenerTakesTheClientAddressFromTheHeader() throws Exception {
        // 192.0.2.0/24 is the trusted relay network in the test profile; loopback is not.
        try (SmtpTestClient c = SmtpTestClient.connect(ingress.proxyPort())) {
            c.write("PROXY TCP4 192.0.2.7 127.0.0.1 40000 25\r\n");
            assertTrue(c.reply().startsWith("220 "));
            c.send("EHLO behind.lb.test");
            c.send("MAIL FROM:<a@y.test>");
            assertEquals("250 2.1.5 Ok", c.send("RCPT TO:<carol@remote.test>"));
        }
        try (SmtpTestClient c = SmtpTestClient.connect(ingress.proxyPort())) {
            c.write(proxyV2("192.0.2.8"));
            assertTrue(c.reply().startsWith("220 "));
            c.send("EHLO behind.lb.test");
            c.send("MAIL FROM:<a@y.test>");
            assertEquals("250 2.1.5 Ok", c.send("RCPT TO:<carol@remote.test>"), "PROXY v2 too");
        }
        try (SmtpTestClient c = SmtpTestClient.connect(ingress.port())) {
            c.reply();
            c.send("EHLO direct.test");
            c.send("MAIL FROM:<a@y.test>");
            assertTrue(c.send("RCPT TO:<carol@remote.test>").startsWith("554 5.7.1"), "without the header, loopback is untrusted");
        }
    }

    @Test
    void theProxyProtocolListenerHangsUpOnAClientWithoutAHeader() throws Exception {
        // Whatever comes first must be the load balancer's header; SMTP from the client is not.
        try (SmtpTestClient c = SmtpTestClient.connect(ingress.proxyPort())) {
            c.write("EHLO sneaky.test\r\n");
            assertTrue(c.closedByServer(), "no greeting, connection closed");
        }
        try (SmtpTestClient c = SmtpTestClient.connect(ingress.proxyPort())) {
            c.write("PROXY TCP4 192.0.2.7 127.0.0.1 40000 25\r\n");
            assertTrue(c.reply().startsWith("220 "), "the listener still serves after refusing one");
        }
    }

    @Test
    void aProxyHeaderFromAPeerThatIsNoTrustedProxyIsRefusedUnread() throws Exception {
        // 127.0.0.5 is not in proxy.trusted-networks: were its header believed, it would be the
        // trusted relay network 192.0.2.7 and relay anywhere.
        try (SmtpTestClient c = SmtpTestClient.connectFrom("127.0.0.5", ingress.proxyPort())) {
            c.write("PROXY TCP4 192.0.2.7 127.0.0.1 40000 25\r\nEHLO forger.test\r\nMAIL FROM:<a@y.test>\r\n"
                    + "RCPT TO:<carol@remote.test>\r\n");
            assertEquals("421 4.7.0 mailpipe.localhost Error: PROXY protocol is taken from trusted proxies only", c.reply());
            assertTrue(c.closedByServer());
        }
        try (SmtpTestClient c = SmtpTestClient.connectFrom("127.0.0.5", ingress.proxyPort())) {
            c.write(proxyV2("192.0.2.8"));
            assertTrue(c.reply().startsWith("421 4.7.0 "), "PROXY v2 too");
        }
    }

    /** A PROXY protocol v2 header: TCP over IPv4 from {@code source} port 40000 to 127.0.0.1:25. */
    private static byte[] proxyV2(String source) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        b.write(0x21); // version 2, PROXY
        b.write(0x11); // TCP over IPv4
        b.write(0);
        b.write(12);
        b.write(java.net.InetAddress.getByName(source).getAddress());
        b.write(new byte[] {127, 0, 0, 1});
        b.write(new byte[] {(byte) 0x9c, 0x40, 0, 25});
        return b.toByteArray();
    }
}
