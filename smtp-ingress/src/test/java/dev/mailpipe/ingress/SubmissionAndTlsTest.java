package dev.mailpipe.ingress;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.kafka.LocalKafkaResource;
import dev.mailpipe.model.MailRecords;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * STARTTLS (RFC 3207), AUTH (RFC 4954) on the submission port (RFC 6409), PROXY protocol, with raw
 * sockets and with real clients (swaks, openssl s_client, Python's smtplib).
 */
@QuarkusTest
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TlsKeystoreResource.class, restrictToAnnotatedClass = true)
@Tag("service")
class SubmissionAndTlsTest {
    private static final String USER = "sub@example.test";
    private static final String PASSWORD = "correct horse battery";

    @Inject
    SmtpIngress ingress;

    @Inject
    dev.mailpipe.runtime.MailboxRegistry registry;

    @BeforeAll
    static void createAccount() throws Exception {
        TestAccounts.create(USER, PASSWORD);
    }

    private SmtpTestClient submissionOverTls() throws Exception {
        SmtpTestClient c = SmtpTestClient.greeted(ingress.submissionPort());
        assertEquals("220 2.0.0 Ready to start TLS", c.send("STARTTLS"));
        c.startTls();
        String ehlo = c.send("EHLO client.test");
        assertTrue(ehlo.contains("250-AUTH PLAIN LOGIN") || ehlo.contains("250 AUTH PLAIN LOGIN"), ehlo);
        assertTrue(!ehlo.contains("STARTTLS"), "not offered twice: " + ehlo);
        return c;
    }

    private static String plain(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    private void awaitAccount() {
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.mailbox(USER).isPresent());
    }

    @Test
    void starttlsIsOfferedAndCommandsPipelinedBehindItAreDropped() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(ingress.port())) {
            c.reply();
            assertTrue(c.send("EHLO client.test").contains("STARTTLS"));
            c.write("STARTTLS\r\nMAIL FROM:<injected@y.test>\r\n");
            assertEquals("220 2.0.0 Ready to start TLS", c.reply());
            c.startTls();
            assertEquals("503 5.5.1 Error: send HELO/EHLO first", c.send("MAIL FROM:<a@y.test>"),
                    "the session starts over inside TLS and the injected MAIL never ran");
            c.send("EHLO client.test");
            assertEquals("250 2.1.0 Ok", c.send("MAIL FROM:<a@y.test>"));
            assertEquals("503 5.5.1 Error: STARTTLS not allowed here", c.send("STARTTLS"));
        }
    }

    @Test
    void authNeedsTlsAndTheSubmissionPort() throws Exception {
        try (SmtpTestClient mx = SmtpTestClient.greeted(ingress.port())) {
            assertEquals("502 5.5.1 AUTH is not offered on this port", mx.send("AUTH PLAIN " + plain(USER, PASSWORD)));
        }
        try (SmtpTestClient c = SmtpTestClient.greeted(ingress.submissionPort())) {
            assertEquals("538 5.7.11 Encryption required for requested authentication mechanism",
                    c.send("AUTH PLAIN " + plain(USER, PASSWORD)));
            assertEquals("530 5.7.0 Authentication required", c.send("MAIL FROM:<" + USER + ">"));
        }
    }

    @Test
    void authenticatedSubmissionMayRelayAndGetsDateAndMessageId() throws Exception {
        awaitAccount();
        String marker = "sub-" + UUID.randomUUID();
        try (SmtpTestClient c = submissionOverTls()) {
            assertEquals("535 5.7.8 Authentication credentials invalid", c.send("AUTH PLAIN " + plain(USER, "wrong")));
            assertEquals("504 5.5.4 Unrecognized authentication type", c.send("AUTH CRAM-MD5"));
            assertEquals("334 VXNlcm5hbWU6", c.send("AUTH LOGIN"));
            assertEquals("334 UGFzc3dvcmQ6", c.send(Base64.getEncoder().encodeToString(USER.getBytes())));
            assertEquals("235 2.7.0 Authentication successful", c.send(Base64.getEncoder().encodeToString(PASSWORD.getBytes())));
            assertEquals("250 2.1.0 Ok", c.send("MAIL FROM:<" + USER + ">"));
            assertEquals("250 2.1.5 Ok", c.send("RCPT TO:<friend@remote.test>"), "authenticated clients relay");
            c.send("DATA");
            assertTrue(c.send("Subject: " + marker + "\r\n\r\nhello\r\n.").startsWith("250 2.0.0 Ok: queued as"));
        }
        var records = InboundTopic.containing(marker);
        assertEquals(1, records.size());
        String text = new String(records.get(0).value(), StandardCharsets.UTF_8);
        assertTrue(text.contains("with ESMTPSA id "), text);
        assertTrue(text.contains("\r\nDate: ") && text.contains("\r\nMessage-ID: <"), text);
        var env = MailRecords.envelope(records.get(0));
        assertEquals(USER, env.client().auth());
        assertTrue(env.client().tls());
    }

    @Test
    void aLoginSendsOnlyAsWhatItsMailboxOwns() throws Exception {
        TestAccounts.create("other@example.test", "other's password");
        TestAccounts.alias("sub-alias@example.test", USER);
        TestAccounts.create("svc@example.test", "service password", List.of("@notices.test"));
        awaitAccount();
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.alias("sub-alias@example.test").isPresent()
                && registry.mailbox("svc@example.test").isPresent() && registry.mailbox("other@example.test").isPresent());
        try (SmtpTestClient c = submissionOverTls()) {
            assertEquals("235 2.7.0 Authentication successful", c.send("AUTH PLAIN " + plain(USER, PASSWORD)));
            // Another mailbox of a local domain: the relay would DKIM-sign the forgery.
            assertEquals("553 5.7.1 Error: sender <other@example.test> is not owned by the authenticated login",
                    c.send("MAIL FROM:<other@example.test>"));
            assertEquals("553 5.7.1 Error: sender <someone@remote.test> is not owned by the authenticated login",
                    c.send("MAIL FROM:<someone@remote.test>"));
            assertEquals("250 2.1.0 Ok", c.send("MAIL FROM:<Sub+lists@Example.test>"), "a plus-address of its own");
            c.send("RSET");
            assertEquals("250 2.1.0 Ok", c.send("MAIL FROM:<sub-alias@example.test>"), "an alias that leads to it");
            c.send("RSET");
            assertEquals("250 2.1.0 Ok", c.send("MAIL FROM:<" + USER + ">"));
            assertEquals("250 2.1.5 Ok", c.send("RCPT TO:<friend@remote.test>"));
            c.send("DATA");
            assertEquals("553 5.7.1 Error: From <alice@example.test> is not owned by the login " + USER,
                    c.send("From: Alice <alice@example.test>, sub@example.test\r\nSubject: forged\r\n\r\nx\r\n."),
                    "every author of From must be the login's");
        }
        try (SmtpTestClient c = submissionOverTls()) {
            assertEquals("235 2.7.0 Authentication successful", c.send("AUTH PLAIN " + plain(USER, PASSWORD)));
            c.send("MAIL FROM:<" + USER + ">");
            c.send("RCPT TO:<friend@remote.test>");
            c.send("DATA");
            assertTrue(c.send("From: \"Sub, the user\" <sub@example.test>\r\nSubject: own\r\n\r\nx\r\n.")
                    .startsWith("250 2.0.0 Ok: queued as"), "its own From, display name and all");
        }
        try (SmtpTestClient c = submissionOverTls()) {
            assertEquals("235 2.7.0 Authentication successful", c.send("AUTH PLAIN " + plain("svc@example.test", "service password")));
            assertEquals("250 2.1.0 Ok", c.send("MAIL FROM:<alerts@notices.test>"), "the registry granted it the domain");
            c.send("RSET");
            assertTrue(c.send("MAIL FROM:<" + USER + ">").startsWith("553 5.7.1 "), "but not another login's address");
        }
    }

    @Test
    void realClientsSpeakTlsAndAuth() throws Exception {
        dev.mailpipe.peers.DebianPeers.require("swaks", "perl:Net::SSLeay", "perl:IO::Socket::SSL", "perl:Authen::SASL");
        awaitAccount();
        String marker = "swaks-" + UUID.randomUUID();
        String swaks = run(List.of("swaks", "--server", "127.0.0.1:" + ingress.submissionPort(), "--tls",
                "--auth", "PLAIN", "--auth-user", USER, "--auth-password", PASSWORD,
                "--from", USER, "--to", "friend@remote.test", "--header", "Subject: " + marker, "--timeout", "20"));
        assertTrue(swaks.contains("250 2.0.0 Ok: queued as"), swaks);
        assertEquals(1, InboundTopic.containing(marker).size());
        // The first line of its history: who, from where, over TLS, as whom, and its Message-ID.
        String id = InboundTopic.containing(marker).get(0).key();
        String bootstrap = org.eclipse.microprofile.config.ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> dev.mailpipe.peers.TopicReader.readCommitted(bootstrap, "mail.events")
                .stream().anyMatch(r -> id.equals(r.key())));
        var received = dev.mailpipe.peers.TopicReader.readCommitted(bootstrap, "mail.events").stream()
                .filter(r -> id.equals(r.key())).findFirst().orElseThrow();
        var event = new com.fasterxml.jackson.databind.ObjectMapper().readTree(received.value());
        assertEquals("received", event.path("type").asText());
        assertEquals("smtp-ingress", event.path("stage").asText());
        assertEquals("127.0.0.1", event.path("client").asText());
        assertTrue(event.path("tls").asBoolean(), event.toString());
        assertEquals(USER, event.path("auth").asText());
        assertEquals("friend@remote.test", event.path("recipients").path(0).asText());
        assertTrue(event.path("messageId").asText().startsWith("<"), "swaks sends a Message-ID: " + event);
        assertEquals(event.path("messageId").asText(), new String(received.headers()
                .lastHeader(dev.mailpipe.model.RecordHeaders.MESSAGE_ID).value(), StandardCharsets.UTF_8));

        String openssl = run(List.of("sh", "-c", "printf 'EHLO openssl.test\\r\\nQUIT\\r\\n' | openssl s_client -quiet "
                + "-starttls smtp -connect 127.0.0.1:" + ingress.port() + " 2>&1"));
        assertTrue(openssl.contains("250-mailpipe.localhost greets openssl.test") && openssl.contains("221 2.0.0 Bye"), openssl);

        String python = run(List.of("/usr/bin/python3", "-c", String.join("\n",
                "import smtplib, ssl",
                "ctx = ssl._create_unverified_context()",
                "s = smtplib.SMTP('127.0.0.1', " + ingress.submissionPort() + ", timeout=20)",
                "s.starttls(context=ctx)",
                "s.login('" + USER + "', '" + PASSWORD + "')",
                "r = s.sendmail('" + USER + "', ['alice@example.test'], 'Subject: py-" + marker + "\\r\\n\\r\\nhi\\r\\n')",
                "print('refused', r)",
                "s.quit()")));
        assertTrue(python.contains("refused {}"), python);
        assertEquals(1, InboundTopic.containing("py-" + marker).size());
    }

    @Test
    void postfixSmtpSourceUnderLoadHasEveryMessageQueued() throws Exception {
        String sender = "load-" + UUID.randomUUID() + "@y.test";
        dev.mailpipe.peers.DebianPeers.require("smtp-source");
        String out = run(List.of("smtp-source", "-s", "10", "-m", "200", "-l", "1024", "-f", sender,
                "-t", "alice@example.test", "127.0.0.1:" + ingress.port()));
        assertEquals("", out.trim(), "smtp-source reports no error: " + out);
        long queued = InboundTopic.all().stream().filter(r -> MailRecords.envelope(r).mailFrom().equals(sender)).count();
        assertEquals(200, queued);
    }

    private static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(Duration.ofSeconds(60).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        return out;
    }
}
