package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.kafka.LocalKafkaResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Greylisting through Postfix's policy delegation protocol, with Debian's postgrey unchanged as
 * the policy server: a new (client, sender, recipient) is deferred, the same retried after
 * postgrey's delay is queued with the header field postgrey asked to prepend.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgreyResource.class, restrictToAnnotatedClass = true)
@Tag("service")
class GreylistingTest {
    @Inject
    SmtpIngress ingress;

    private String attempt(String sender, String marker) throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connectFrom("127.0.0.80", ingress.port())) {
            c.reply();
            c.send("EHLO retrying.test");
            assertEquals("250 2.1.0 Ok", c.send("MAIL FROM:<" + sender + ">"));
            String rcpt = c.send("RCPT TO:<alice@example.test>");
            if (!rcpt.startsWith("250")) {
                return rcpt;
            }
            assertEquals("354 End data with <CR><LF>.<CR><LF>", c.send("DATA"));
            return c.send("Subject: " + marker + "\r\n\r\nhello\r\n.");
        }
    }

    @Test
    void aNewTripletIsDeferredAndItsRetryAfterTheDelayIsQueuedWithPostgreysField() throws Exception {
        String sender = "grey-" + UUID.randomUUID().toString().substring(0, 8) + "@sender.test";
        String marker = "marker-" + UUID.randomUUID();
        String first = attempt(sender, marker);
        assertTrue(first.startsWith("450 4.7.1 <alice@example.test>: Recipient address rejected: Greylisted"), first);
        assertTrue(attempt(sender, marker).startsWith("450 4.7.1"), "too early: still greylisted");
        Thread.sleep((PostgreyResource.DELAY_SECONDS + 1) * 1000L);
        String retry = attempt(sender, marker);
        assertTrue(retry.startsWith("250 2.0.0 Ok: queued as"), retry);
        List<ConsumerRecord<String, byte[]>> queued = InboundTopic.containing(marker);
        assertEquals(1, queued.size());
        String text = new String(queued.get(0).value(), StandardCharsets.UTF_8);
        int greylist = text.indexOf("X-Greylist: delayed ");
        assertTrue(greylist > text.indexOf("Received: ") && greylist < text.indexOf("Subject: " + marker), text);
        assertTrue(text.contains("by postgrey-") && text.contains("at postgrey.test;"), text);
    }

    @Test
    void theRecipientPolicyComesBeforeThePolicyServer() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connectFrom("127.0.0.81", ingress.port())) {
            c.reply();
            c.send("EHLO client.test");
            c.send("MAIL FROM:<fresh-" + UUID.randomUUID().toString().substring(0, 8) + "@sender.test>");
            assertEquals("554 5.7.1 <elsewhere@remote.test>: Relay access denied", c.send("RCPT TO:<elsewhere@remote.test>"),
                    "not greylisted first");
        }
    }
}
