package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.kafka.LocalKafkaResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The attack, scaled to the profile's memory: many sessions from one address each hold a
 * message before its final dot; a client from another address must still be served, the held
 * ones get 250 or 452 4.3.1, and every byte comes back to the budget.
 */
@QuarkusTest
@TestProfile(MemoryProfile.class)
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@Tag("service")
class MessageMemoryLimitTest {
    @Inject
    SmtpIngress ingress;

    private static final String BODY = ("z".repeat(998) + "\r\n").repeat(15);

    private SmtpTestClient inData(String from) throws Exception {
        SmtpTestClient c = SmtpTestClient.connectFrom(from, ingress.port());
        c.reply();
        c.send("EHLO holder.test");
        c.send("MAIL FROM:<h@y.test>");
        assertEquals("250 2.1.5 Ok", c.send("RCPT TO:<alice@example.test>"));
        assertTrue(c.send("DATA").startsWith("354"));
        return c;
    }

    @Test
    void sessionsOfOneClientCannotTakeTheMemoryOfOthers() throws Exception {
        List<SmtpTestClient> holders = new ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) {
                SmtpTestClient c = inData("127.0.0.1");
                c.write("Subject: held " + i + "\r\n\r\n" + BODY);
                holders.add(c);
            }
            try (SmtpTestClient other = inData("127.0.0.9")) {
                assertTrue(other.send("Subject: other\r\n\r\n" + BODY + ".").startsWith("250 2.0.0 Ok: queued as"),
                        "another client is served while the first holds its share");
            }
            int queued = 0;
            int refused = 0;
            for (SmtpTestClient c : holders) {
                String reply = c.send(".");
                if (reply.startsWith("250 ")) {
                    queued++;
                } else {
                    assertEquals("452 4.3.1 Error: insufficient system storage, try again later", reply);
                    refused++;
                }
                assertEquals("250 2.0.0 Ok", c.send("NOOP"), "the session survives its 452");
            }
            assertEquals(1, queued, "one 64 KiB step fits the client's share of 100,000, a second does not");
            assertEquals(39, refused);
        } finally {
            for (SmtpTestClient c : holders) {
                c.close();
            }
        }
        Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> memory().used() == 0);
    }

    @Test
    void aDeclaredSizeThatCannotFitNowIsRefusedAtMail() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.greeted(ingress.port())) {
            assertEquals("250 2.1.0 Ok", c.send("MAIL FROM:<a@y.test> SIZE=19000"));
            c.send("RSET");
        }
        List<SmtpTestClient> holders = new ArrayList<>();
        try {
            // Six clients hold one 64 KiB step each: 393,216 of the 400,000.
            for (int i = 1; i <= 6; i++) {
                SmtpTestClient hog = inData("127.0.0." + (20 + i));
                hog.write("Subject: hog\r\n\r\n" + BODY);
                holders.add(hog);
            }
            Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> memory().used() == 6 * MessageMemory.STEP);
            try (SmtpTestClient c = SmtpTestClient.connectFrom("127.0.0.30", ingress.port())) {
                c.reply();
                c.send("EHLO late.test");
                assertEquals("452 4.3.1 Error: insufficient system storage for a message of 19000 octets, try again later",
                        c.send("MAIL FROM:<a@y.test> SIZE=19000"));
                holders.remove(0).close();
                Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> memory().used() == 5 * MessageMemory.STEP);
                assertEquals("250 2.1.0 Ok", c.send("MAIL FROM:<a@y.test> SIZE=19000"), "room again once a holder left");
                Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> memory().used() == 6 * MessageMemory.STEP);
            }
        } finally {
            for (SmtpTestClient c : holders) {
                c.close();
            }
        }
        Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> memory().used() == 0);
    }

    private MessageMemory memory() {
        return ingress.messageMemory();
    }
}
