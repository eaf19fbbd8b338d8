package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.kafka.LocalKafkaResource;
import dev.mailpipe.peers.DebianPeers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The MX port's door against real peers: NSD serving a block and an allow list, Postfix's
 * smtp-source as a client sending too fast, raw sockets from addresses of their own in 127/8.
 */
@QuarkusTest
@TestProfile(DoorProfile.class)
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = DoorDns.class, restrictToAnnotatedClass = true)
@Tag("service")
class DoorTest {
    @Inject
    SmtpIngress ingress;

    /** Connects from {@code source} and reads the greeting; the milliseconds it took. */
    private long greetedAfter(SmtpTestClient c, String expect) throws Exception {
        long start = System.nanoTime();
        String greeting = c.reply();
        assertTrue(greeting.startsWith(expect), greeting);
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    @Test
    void aBlockListedClientIsGreetedThenEachRecipientRefusedNamingTheList() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connectFrom("127.0.0.66", ingress.port())) {
            greetedAfter(c, "220 ");
            c.send("EHLO listed.test");
            assertEquals("250 2.1.0 Ok", c.send("MAIL FROM:<someone@sender.test>"));
            assertEquals("550 5.7.1 Service unavailable; client [127.0.0.66] blocked using bl.test",
                    c.send("RCPT TO:<alice@example.test>"));
            assertEquals("550 5.7.1 Service unavailable; client [127.0.0.66] blocked using bl.test",
                    c.send("RCPT TO:<bob@example.test>"));
        }
        // An answer outside the list's filter is no listing.
        try (SmtpTestClient c = SmtpTestClient.connectFrom("127.0.0.65", ingress.port())) {
            greetedAfter(c, "220 ");
            c.send("EHLO odd.test");
            c.send("MAIL FROM:<someone@sender.test>");
            assertEquals("250 2.1.5 Ok", c.send("RCPT TO:<alice@example.test>"));
        }
    }

    @Test
    void anAllowListedClientSkipsThePregreetWaitAStrangerWaits() throws Exception {
        try (SmtpTestClient allowed = SmtpTestClient.connectFrom("127.0.0.67", ingress.port());
                SmtpTestClient stranger = SmtpTestClient.connectFrom("127.0.0.68", ingress.port())) {
            long allowedWait = greetedAfter(allowed, "220 ");
            assertTrue(allowedWait < DoorProfile.GREETING_DELAY_MILLIS - 500, "allow-listed waited " + allowedWait + " ms");
            long strangerWait = greetedAfter(stranger, "220 ");
            assertTrue(strangerWait >= DoorProfile.GREETING_DELAY_MILLIS - allowedWait - 100,
                    "a stranger waited only " + strangerWait + " ms after the allow-listed client's greeting");
            allowed.send("EHLO allowed.test");
            allowed.send("MAIL FROM:<someone@sender.test>");
            assertEquals("250 2.1.5 Ok", allowed.send("RCPT TO:<alice@example.test>"));
        }
    }

    @Test
    void aClientThatTalksBeforeTheGreetingIsRefused() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connectFrom("127.0.0.69", ingress.port())) {
            c.write("EHLO eager.test\r\n");
            assertEquals("554 5.5.1 Error: talked before the greeting; SMTP protocol synchronization", c.reply());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void aClientThatWritesItsConversationAtOnceHasItsRecipientsRefused() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connectFrom("127.0.0.76", ingress.port())) {
            greetedAfter(c, "220 ");
            c.write("EHLO spamware.test\r\nMAIL FROM:<someone@sender.test>\r\nRCPT TO:<alice@example.test>\r\n");
            assertTrue(c.reply().startsWith("250-"));
            assertEquals("250 2.1.0 Ok", c.reply());
            assertEquals("550 5.5.1 Protocol error", c.reply());
        }
        try (SmtpTestClient c = SmtpTestClient.connectFrom("127.0.0.77", ingress.port())) {
            greetedAfter(c, "220 ");
            c.send("EHLO pipelining.test");
            c.write("MAIL FROM:<someone@sender.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n");
            assertEquals("250 2.1.0 Ok", c.reply());
            assertEquals("250 2.1.5 Ok", c.reply());
            assertEquals("354 End data with <CR><LF>.<CR><LF>", c.reply(), "RFC 2920 pipelining is no fault");
        }
    }

    @Test
    void newConnectionsPerClientAreLimitedAndOtherClientsAreNot() throws Exception {
        for (int i = 1; i <= 10; i++) {
            try (SmtpTestClient c = SmtpTestClient.connectFrom("127.0.0.72", ingress.port())) {
                greetedAfter(c, "220 ");
            }
        }
        try (SmtpTestClient c = SmtpTestClient.connectFrom("127.0.0.72", ingress.port())) {
            assertEquals("421 4.7.0 mailpipe.localhost Error: too many connections from 127.0.0.72", c.reply());
            assertTrue(c.closedByServer());
        }
        try (SmtpTestClient other = SmtpTestClient.connectFrom("127.0.0.73", ingress.port())) {
            greetedAfter(other, "220 ");
        }
    }

    @Test
    void recipientsPerClientAreLimitedAcrossMessages() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connectFrom("127.0.0.74", ingress.port())) {
            greetedAfter(c, "220 ");
            c.send("EHLO many.test");
            c.send("MAIL FROM:<someone@sender.test>");
            for (int i = 0; i < 4; i++) {
                assertEquals("250 2.1.5 Ok", c.send("RCPT TO:<alice@example.test>"));
            }
            assertEquals("250 2.0.0 Ok", c.send("RSET"));
            c.send("MAIL FROM:<someone@sender.test>");
            assertEquals("250 2.1.5 Ok", c.send("RCPT TO:<alice@example.test>"));
            assertEquals("250 2.1.5 Ok", c.send("RCPT TO:<alice@example.test>"));
            assertEquals("452 4.5.3 Error: too many recipients from 127.0.0.74", c.send("RCPT TO:<alice@example.test>"));
        }
    }

    /** Postfix's smtp-source sends 8 messages over 8 connections from 127.0.0.1: the 5 the rate allows are queued. */
    @Test
    void messagesPerClientAreLimitedForARealClient() throws Exception {
        DebianPeers.require("smtp-source");
        String sender = "rate-" + UUID.randomUUID().toString().substring(0, 8) + "@sender.test";
        Process p = new ProcessBuilder("smtp-source", "-s", "1", "-m", "8", "-f", sender, "-t", "alice@example.test",
                "127.0.0.1:" + ingress.port()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "smtp-source finished");
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(5, InboundTopic.containing(sender).size(), "queued from the client; smtp-source said: " + output);
        assertTrue(output.contains("450 4.7.1 Error: too much mail from 127.0.0.1"), output);
        try (SmtpTestClient other = SmtpTestClient.connectFrom("127.0.0.75", ingress.port())) {
            greetedAfter(other, "220 ");
            other.send("EHLO other.test");
            assertEquals("250 2.1.0 Ok", other.send("MAIL FROM:<someone@sender.test>"));
        }
    }
}
