package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.kafka.LocalKafkaResource;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.Envelope;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.util.Native;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ingress's replies, over raw sockets, against a real broker. Each bad-input case asserts the
 * exact reply and that nothing reached {@code mail.inbound}. In this profile loopback is not a
 * trusted network, so relaying is refused to the test client.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@Tag("service")
class SmtpConversationTest {

    @Inject
    SmtpIngress ingress;

    @Test
    void eachListenerHasItsOwnEventLoop() throws Exception {
        // Contexts taken from the startup thread once put every listener on one event loop, so all
        // sessions shared one core whatever the setting said.
        assertEquals(2, ingress.eventLoopsOf(ingress.port()).size(), ingress.eventLoopsOf(ingress.port()).toString());
        assertEquals(2, ingress.eventLoopsOf(ingress.submissionPort()).size());
        try (SmtpTestClient a = greeted(); SmtpTestClient b = greeted()) {
            assertEquals("250 2.0.0 Ok", a.send("NOOP"));
            assertEquals("250 2.0.0 Ok", b.send("NOOP"));
        }
    }

    private SmtpTestClient greeted() throws Exception {
        return SmtpTestClient.greeted(ingress.port());
    }

    private static String marker() {
        return "marker-" + UUID.randomUUID();
    }

    @Test
    void greetsAndAdvertisesItsExtensions() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(ingress.port())) {
            assertEquals("220 mailpipe.localhost ESMTP mailpipe", c.reply());
            String ehlo = c.send("EHLO client.test");
            assertTrue(ehlo.startsWith("250-mailpipe.localhost"), ehlo);
            for (String ext : List.of("PIPELINING", "SIZE 20000", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES",
                    "CHUNKING", "DSN")) {
                assertTrue(ehlo.contains("250-" + ext) || ehlo.contains("250 " + ext), ext + " in " + ehlo);
            }
            assertEquals("250 mailpipe.localhost", c.send("HELO client.test"));
            assertEquals("221 2.0.0 Bye", c.send("QUIT"));
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void acceptsMailAndPublishesItWithItsEnvelopeBeforeSaying250() throws Exception {
        String marker = marker();
        try (SmtpTestClient c = greeted()) {
            assertEquals("250 2.1.0 Ok", c.send("MAIL FROM:<sender@y.test> SIZE=100 BODY=8BITMIME RET=HDRS ENVID=e+2B1"));
            assertEquals("250 2.1.5 Ok", c.send("RCPT TO:<alice@example.test> NOTIFY=FAILURE,DELAY ORCPT=rfc822;alice@example.test"));
            assertEquals("250 2.1.5 Ok", c.send("RCPT TO:<Bob+news@EXAMPLE.test>"));
            assertEquals("354 End data with <CR><LF>.<CR><LF>", c.send("DATA"));
            String reply = c.send("Subject: " + marker + "\r\n\r\n..dot-stuffed\r\nend\r\n.");
            assertTrue(reply.matches("250 2\\.0\\.0 Ok: queued as [0-9a-f]{12}-[0-9a-f]{12}"), reply);
            String id = reply.substring(reply.lastIndexOf(' ') + 1);

            List<ConsumerRecord<String, byte[]>> records = InboundTopic.containing(marker);
            assertEquals(1, records.size());
            ConsumerRecord<String, byte[]> r = records.get(0);
            assertEquals(id, r.key());
            String text = new String(r.value(), StandardCharsets.UTF_8);
            assertTrue(text.startsWith("Received: from client.test ([127.0.0.1])\r\n\tby mailpipe.localhost (mailpipe) with ESMTP id " + id + ";"),
                    "two recipients: no 'for' clause\n" + text);
            assertTrue(text.endsWith("Subject: " + marker + "\r\n\r\n.dot-stuffed\r\nend\r\n"), text);
            Envelope e = MailRecords.envelope(r);
            assertEquals(id, e.id());
            assertEquals("sender@y.test", e.mailFrom());
            assertEquals(List.of("alice@example.test", "Bob+news@EXAMPLE.test"),
                    e.recipients().stream().map(x -> x.address()).toList());
            assertEquals("FAILURE,DELAY", e.recipients().get(0).notifyOn().orElseThrow());
            assertEquals("rfc822;alice@example.test", e.recipients().get(0).orcpt().orElseThrow());
            assertEquals("HDRS", e.text("ret").orElseThrow());
            assertEquals("e+2B1", e.text("envid").orElseThrow());
            assertEquals(r.value().length, e.size());
            assertEquals("127.0.0.1", e.client().ip());
            assertEquals("client.test", e.client().helo());
        }
    }

    @Test
    void nullSenderAndBarePostmasterAreAccepted() throws Exception {
        try (SmtpTestClient c = greeted()) {
            assertEquals("250 2.1.0 Ok", c.send("MAIL FROM:<>"));
            assertEquals("250 2.1.5 Ok", c.send("RCPT TO:<Postmaster>"), "RFC 5321 4.5.1");
            assertEquals("250 2.1.5 Ok", c.send("RCPT TO:<postmaster@EXAMPLE.test>"));
        }
    }

    @Test
    void commandsOutOfSequenceGet503() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(ingress.port())) {
            c.reply();
            assertEquals("503 5.5.1 Error: send HELO/EHLO first", c.send("MAIL FROM:<a@y.test>"));
            c.send("EHLO client.test");
            assertEquals("503 5.5.1 Error: need MAIL command", c.send("RCPT TO:<alice@example.test>"));
            assertEquals("503 5.5.1 Error: need RCPT command", c.send("DATA"));
            c.send("MAIL FROM:<a@y.test>");
            assertEquals("503 5.5.1 Error: nested MAIL command", c.send("MAIL FROM:<a@y.test>"));
            assertEquals("554 5.5.1 Error: no valid recipients", c.send("DATA"));
            assertEquals("250 2.0.0 Ok", c.send("RSET"));
            assertEquals("503 5.5.1 Error: need MAIL command", c.send("RCPT TO:<alice@example.test>"));
        }
    }

    @Test
    void syntaxErrorsGet500Or501() throws Exception {
        try (SmtpTestClient c = greeted()) {
            assertEquals("500 5.5.2 Error: command not recognized", c.send("FOO bar"));
            assertEquals("501 5.5.4 Syntax: EHLO hostname", c.send("EHLO"));
            // Neither a domain nor an address literal: it would be written into Received and Authentication-Results.
            assertEquals("501 5.5.4 Error: EHLO wants a domain name or an address literal (RFC 5321 4.1.1.1)",
                    c.send("EHLO evil(comment).test"));
            assertEquals("501 5.5.4 Error: HELO wants a domain name or an address literal (RFC 5321 4.1.1.1)",
                    c.send("HELO a\u0001b.test"));
            assertEquals("501 5.5.4 Error: EHLO wants a domain name or an address literal (RFC 5321 4.1.1.1)",
                    c.send("EHLO x;smtp.helo=forged"));
            assertTrue(c.send("EHLO [192.0.2.1]").startsWith("250-"), "an address literal is a name");
            c.send("EHLO client.test");
            assertEquals("501 5.5.4 Syntax error: address must be enclosed in <>", c.send("MAIL FROM:a@y.test"));
            assertTrue(c.send("MAIL FROM:<a@@y.test>").startsWith("501 5.1.7 "));
            assertEquals("555 5.5.4 Unsupported option: XFOO", c.send("MAIL FROM:<a@y.test> XFOO=1"));
            assertEquals("501 5.5.4 Bad NOTIFY parameter", sendAfterMail(c, "RCPT TO:<alice@example.test> NOTIFY=SOMETIMES"));
            assertTrue(c.send("RCPT TO:<alice@exa mple.test>").startsWith("501 "));
            assertEquals("501 5.5.4 Syntax: DATA", c.send("DATA now"));
        }
    }

    private static String sendAfterMail(SmtpTestClient c, String line) throws Exception {
        c.send("RSET");
        c.send("MAIL FROM:<a@y.test>");
        return c.send(line);
    }

    @Test
    void unknownLocalUsersAreRefusedAtRcpt() throws Exception {
        try (SmtpTestClient c = greeted()) {
            c.send("MAIL FROM:<a@y.test>");
            assertEquals("550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown",
                    c.send("RCPT TO:<nobody@example.test>"));
            assertEquals("250 2.1.5 Ok", c.send("RCPT TO:<ALICE@example.TEST>"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"carol@remote.test", "<@example.test:carol@remote.test>",
        "carol@[192.0.2.1]"})
    void relayingIsRefusedToUntrustedClients(String address) throws Exception {
        String path = address.startsWith("<") ? address : "<" + address + ">";
        try (SmtpTestClient c = greeted()) {
            c.send("MAIL FROM:<a@y.test>");
            String reply = c.send("RCPT TO:" + path);
            assertTrue(reply.startsWith("554 5.7.1 ") && reply.endsWith("Relay access denied"), reply);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"carol%remote.test@example.test", "remote.test!carol@example.test",
        "\"carol@remote.test\"@example.test"})
    void addressTricksNeverOpenARelay(String address) throws Exception {
        try (SmtpTestClient c = greeted()) {
            c.send("MAIL FROM:<a@y.test>");
            String reply = c.send("RCPT TO:<" + address + ">");
            assertTrue(reply.startsWith("550 5.1.1 "), "a local part is never parsed as another address: " + reply);
        }
    }

    @Test
    void declaredSizeOverTheLimitIsRefusedAtMail() throws Exception {
        try (SmtpTestClient c = greeted()) {
            assertEquals("552 5.3.4 Message size exceeds fixed limit", c.send("MAIL FROM:<a@y.test> SIZE=20001"));
            assertEquals("250 2.1.0 Ok", c.send("MAIL FROM:<a@y.test> SIZE=20000"));
        }
    }

    @Test
    void oversizeDataIsReadToTheEndThenRefused() throws Exception {
        String marker = marker();
        try (SmtpTestClient c = greeted()) {
            c.send("MAIL FROM:<a@y.test>");
            c.send("RCPT TO:<alice@example.test>");
            c.send("DATA");
            StringBuilder big = new StringBuilder("Subject: " + marker + "\r\n\r\n");
            while (big.length() < 25000) {
                big.append("x".repeat(70)).append("\r\n");
            }
            assertEquals("552 5.3.4 Error: message exceeds fixed size limit of 20000", c.send(big + "."));
            assertEquals("250 2.0.0 Ok", c.send("NOOP"), "the session is still in step");
        }
        assertEquals(0, InboundTopic.containing(marker).size());
    }

    @Test
    void aHeaderOfMoreFieldsThanTheLimitIsRefusedWith552() throws Exception {
        String marker = marker();
        try (SmtpTestClient c = greeted()) {
            c.send("MAIL FROM:<a@y.test>");
            c.send("RCPT TO:<alice@example.test>");
            c.send("DATA");
            assertEquals("552 5.6.0 Error: more than 1000 header fields",
                    c.send("Subject: " + marker + "\r\n" + "X: y\r\n".repeat(1000) + "\r\nbody\r\n."));
            assertEquals("250 2.0.0 Ok", c.send("NOOP"));
            c.send("MAIL FROM:<a@y.test>");
            c.send("RCPT TO:<alice@example.test>");
            c.send("DATA");
            assertTrue(c.send("Subject: " + marker + "\r\n" + "X: y\r\n".repeat(998) + "\r\nbody\r\n.")
                    .startsWith("250 2.0.0 Ok: queued as"), "999 fields are within the limit");
        }
        assertEquals(1, InboundTopic.containing(marker).size());
    }

    @Test
    void tooManyRecipientsGet452() throws Exception {
        try (SmtpTestClient c = greeted()) {
            c.send("MAIL FROM:<a@y.test>");
            for (int i = 0; i < 5; i++) {
                assertEquals("250 2.1.5 Ok", c.send("RCPT TO:<alice+" + i + "@example.test>"));
            }
            assertEquals("452 4.5.3 Error: too many recipients", c.send("RCPT TO:<bob@example.test>"));
        }
    }

    @Test
    void overlongLinesAreRefused() throws Exception {
        String marker = marker();
        try (SmtpTestClient c = greeted()) {
            assertEquals("500 5.5.2 Error: line too long", c.send("NOOP " + "x".repeat(3000)));
            assertEquals("250 2.0.0 Ok", c.send("NOOP"));
            c.send("MAIL FROM:<a@y.test>");
            c.send("RCPT TO:<alice@example.test>");
            c.send("DATA");
            assertEquals("500 5.5.2 Error: line longer than 998 octets",
                    c.send("Subject: " + marker + "\r\n\r\n" + "y".repeat(999) + "\r\n."));
        }
        assertEquals(0, InboundTopic.containing(marker).size());
    }

    /** SMTP smuggling: none of these ends the message; the message is refused whole at its real end. */
    @ParameterizedTest
    @ValueSource(strings = {"\n.\n", "\r.\r", "\r\n.\n", "\n.\r\n", "\r\n.\r", "\r.\r\n"})
    void onlyCrLfDotCrLfEndsData(String fakeEnd) throws Exception {
        String marker = marker();
        try (SmtpTestClient c = greeted()) {
            c.send("MAIL FROM:<a@y.test>");
            c.send("RCPT TO:<alice@example.test>");
            c.send("DATA");
            c.write("Subject: " + marker + "\r\n\r\nfirst" + fakeEnd
                    + "MAIL FROM:<smuggled@y.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n\r\nsmuggled " + marker
                    + "\r\n.\r\n");
            assertEquals("554 5.5.2 Error: bare <CR> or <LF> in message; lines must end with <CR><LF>", c.reply());
            assertEquals("250 2.0.0 Ok", c.send("NOOP"), "no smuggled command was answered");
        }
        assertEquals(0, InboundTopic.containing(marker).size());
    }

    @Test
    void pipelinedCommandsAreAnsweredInOrder() throws Exception {
        String marker = marker();
        try (SmtpTestClient c = greeted()) {
            c.write("MAIL FROM:<a@y.test>\r\nRCPT TO:<alice@example.test>\r\nRCPT TO:<nobody@example.test>\r\n"
                    + "RCPT TO:<bob@example.test>\r\nDATA\r\n");
            assertEquals("250 2.1.0 Ok", c.reply());
            assertEquals("250 2.1.5 Ok", c.reply());
            assertTrue(c.reply().startsWith("550 5.1.1"));
            assertEquals("250 2.1.5 Ok", c.reply());
            assertTrue(c.reply().startsWith("354"));
            c.write("Subject: " + marker + "\r\n\r\nhi\r\n.\r\nMAIL FROM:<b@y.test>\r\nNOOP\r\n");
            assertTrue(c.reply().startsWith("250 2.0.0 Ok: queued as "));
            assertEquals("250 2.1.0 Ok", c.reply());
            assertEquals("250 2.0.0 Ok", c.reply());
        }
        assertEquals(1, InboundTopic.containing(marker).size());
    }

    @Test
    void bdatChunksMakeOneMessage() throws Exception {
        String marker = marker();
        try (SmtpTestClient c = greeted()) {
            c.send("MAIL FROM:<a@y.test>");
            c.send("RCPT TO:<alice@example.test>");
            String first = "Subject: " + marker + "\r\n\r\n";
            String second = "a line\r\n.not stuffed in BDAT\r\n";
            c.write("BDAT " + first.length() + "\r\n" + first);
            assertTrue(c.reply().startsWith("250 2.0.0"));
            assertEquals("503 5.5.1 Error: only BDAT, RSET, NOOP or QUIT may follow BDAT", c.send("DATA"));
            c.write("BDAT " + second.length() + " LAST\r\n" + second);
            String last = c.reply();
            assertTrue(last.startsWith("250 2.0.0 Ok: queued as "), last);
        }
        List<ConsumerRecord<String, byte[]>> records = InboundTopic.containing(marker);
        assertEquals(1, records.size());
        assertTrue(new String(records.get(0).value(), StandardCharsets.UTF_8)
                .endsWith("Subject: " + marker + "\r\n\r\na line\r\n.not stuffed in BDAT\r\n"));
    }

    @Test
    void bdatWithoutRecipientsIsReadAndRefused() throws Exception {
        try (SmtpTestClient c = greeted()) {
            c.write("BDAT 5 LAST\r\nhello");
            assertEquals("503 5.5.1 Error: need RCPT command", c.reply());
            assertEquals("250 2.0.0 Ok", c.send("NOOP"), "the 5 octets were not taken as a command");
        }
    }

    @Test
    void informationalCommandsDiscloseNothing() throws Exception {
        try (SmtpTestClient c = greeted()) {
            assertEquals("252 2.5.2 Cannot VRFY user, but will accept message and attempt delivery",
                    c.send("VRFY alice"));
            assertEquals("252 2.5.2 Cannot VRFY user, but will accept message and attempt delivery",
                    c.send("VRFY nobody"));
            assertEquals("502 5.5.1 EXPN is not available", c.send("EXPN staff"));
            assertTrue(c.send("HELP").startsWith("214 2.0.0 "));
            assertEquals("250 2.0.0 Ok", c.send("NOOP anything"));
        }
    }

    @Test
    void utf8AddressesNeedSmtputf8() throws Exception {
        try (SmtpTestClient c = greeted()) {
            assertEquals("553 5.6.7 Sender address needs SMTPUTF8", c.send("MAIL FROM:<josé@y.test>"));
            assertEquals("250 2.1.0 Ok", c.send("MAIL FROM:<josé@y.test> SMTPUTF8"));
        }
    }

    @Test
    void theKafkaClientsTakeTheirByteLimitsFromTheOneSizeLimit() {
        var config = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        assertEquals(dev.mailpipe.model.Topics.MAX_RECORD_BYTES, config.getValue("kafka.max.request.size", Integer.class));
        assertEquals(dev.mailpipe.model.Topics.MAX_RECORD_BYTES, config.getValue("kafka.fetch.max.bytes", Integer.class));
    }

    @Test
    void kafkaRecordsAreCompressedByTheNativeLz4Codec() {
        // Under Quarkus's class loader lz4-java does not load its JNI build by itself: the stage must have.
        assertTrue(Native.isLoaded(), "lz4-java native library loaded at startup");
        assertSame(LZ4Factory.nativeInstance(), LZ4Factory.fastestInstance());
    }
}
