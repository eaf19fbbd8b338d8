package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.kafka.LocalKafkaResource;
import dev.mailpipe.peers.DebianPeers;
import dev.mailpipe.peers.Loopback;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * SPF, DKIM and DMARC at the door, against real peers: mail signed by python3-dkim's dkimsign with
 * a key from opendkim-genkey, sent by swaks from loopback addresses that SPF allows or not, the
 * domains served by NSD. The verdicts are compared with python3-authheaders' on the same messages.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = SenderDomainsDns.class, restrictToAnnotatedClass = true)
@Tag("service")
class SenderChecksTest {
    static final String ALLOWED = "127.0.0.50";
    static final String OTHER = "127.0.0.60";

    @Inject
    SmtpIngress ingress;

    @Test
    void signedMailFromAnAllowedAddressPassesAllThree() throws Exception {
        String marker = "pass-" + UUID.randomUUID();
        byte[] signed = dkimsign(message("Frank <frank@sender.test>", marker));
        String swaks = swaks(ALLOWED, "frank@sender.test", signed);
        assertTrue(swaks.contains("250 2.0.0 Ok: queued as"), swaks);
        String queued = queued(marker);
        Map<String, String> ours = results(queued);
        assertEquals("pass", ours.get("spf"), queued);
        assertEquals("pass", ours.get("dkim"), queued);
        assertEquals("pass", ours.get("dmarc"), queued);
        assertTrue(queued.startsWith("Authentication-Results: mx.example.test;\r\n\tspf=pass smtp.mailfrom=frank@sender.test;\r\n"
                + "\tdkim=pass header.d=sender.test header.s=od header.a=rsa-sha256"), queued);
        assertEquals(ours, results(authheaders(signed, ALLOWED, "frank@sender.test")), "python3-authheaders agrees");
    }

    @Test
    void aForgedFromUnderPRejectIsRefusedAtTheEndOfData() throws Exception {
        String marker = "forged-" + UUID.randomUUID();
        byte[] forged = message("The CEO <ceo@sender.test>", marker);
        String swaks = swaks(OTHER, "billing@nopolicy.test", forged);
        assertTrue(swaks.contains("550 5.7.1 Message rejected: sender.test publishes a DMARC policy of reject"), swaks);
        assertEquals("fail", results(authheaders(forged, OTHER, "billing@nopolicy.test")).get("dmarc"),
                "python3-authheaders agrees");
        Thread.sleep(500);
        assertTrue(InboundTopic.containing(marker).isEmpty(), "nothing of it was queued");
    }

    @Test
    void aForgedFromUnderPQuarantineIsMarkedForTheJunkFolder() throws Exception {
        String marker = "quarantine-" + UUID.randomUUID();
        byte[] forged = message("q@quarantine.test", marker);
        String swaks = swaks(OTHER, "q@quarantine.test", forged);
        assertTrue(swaks.contains("250 2.0.0 Ok: queued as"), swaks);
        String queued = queued(marker);
        assertTrue(queued.startsWith("X-Mailpipe-Quarantine: dmarc=fail (p=quarantine) header.from=quarantine.test\r\n"), queued);
        assertTrue(dev.mailpipe.model.MailRecords.envelope(InboundTopic.containing(marker).get(0)).junk(),
                "the envelope sends it to the Junk folder");
        Map<String, String> ours = results(queued);
        assertEquals("fail", ours.get("spf"));
        assertEquals("none", ours.get("dkim"), "RFC 8601 2.7.1: an unsigned message is dkim=none");
        // python3-authheaders 0.15 says dkim=fail for an unsigned message, against RFC 8601: SPF and DMARC are compared.
        Map<String, String> theirs = results(authheaders(forged, OTHER, "q@quarantine.test"));
        assertEquals(ours.get("spf") + " " + ours.get("dmarc"), theirs.get("spf") + " " + theirs.get("dmarc"),
                "python3-authheaders agrees");
    }

    @Test
    void aForgedResultClaimingThisServerIsRemovedAnotherServersStays() throws Exception {
        String marker = "claims-" + UUID.randomUUID();
        byte[] m = ("Authentication-Results: mx.example.test; spf=pass smtp.mailfrom=x@sender.test; dmarc=pass\r\n"
                + "Authentication-Results: other.example; dkim=pass header.d=elsewhere.test\r\n"
                + new String(message("n@nopolicy.test", marker), StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);
        assertTrue(swaks(OTHER, "n@nopolicy.test", m).contains("250 2.0.0 Ok: queued as"));
        String queued = queued(marker);
        assertEquals(1, count(queued, "Authentication-Results: mx.example.test;"), queued);
        assertTrue(queued.contains("Authentication-Results: other.example; dkim=pass header.d=elsewhere.test\r\n"), queued);
        assertTrue(queued.contains("spf=fail smtp.mailfrom=n@nopolicy.test") && queued.contains("dmarc=none"), queued);
    }

    @Test
    void aDomainWhoseDnsDoesNotAnswerIsDeferred() throws Exception {
        String marker = "temp-" + UUID.randomUUID();
        // NSD serves no such zone: it refuses, which is no answer (a temporary error).
        String swaks = swaks(OTHER, "x@unserved.test", message("x@unserved.test", marker));
        assertTrue(swaks.contains("451 4.7.24 Temporary DNS error checking SPF of unserved.test"), swaks);
    }

    @Test
    void moreThanTwoVoidLookupsMakeSpfAPermanentError() throws Exception {
        // The client matches ip4:127.0.0.60, but only after three names that have no address.
        String marker = "voids-" + UUID.randomUUID();
        String swaks = swaks(OTHER, "x@voids.test", message("x@voids.test", marker));
        assertTrue(swaks.contains("250 2.0.0 Ok: queued as"), swaks);
        String queued = queued(marker);
        assertTrue(queued.contains("spf=permerror smtp.mailfrom=x@voids.test"), queued);
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static byte[] message(String from, String marker) {
        return ("From: " + from + "\r\nTo: alice@example.test\r\nSubject: " + marker + "\r\n"
                + "Date: Tue, 1 Dec 2026 12:00:00 +0000\r\nMessage-ID: <" + marker + "@sender.test>\r\n\r\n"
                + "Hello Alice,\r\nthe marker is " + marker + ".\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] dkimsign(byte[] message) throws Exception {
        DebianPeers.require("dkimsign");
        return run(List.of("dkimsign", "od", "sender.test", SenderDomainsDns.key.toString()), message);
    }

    private String swaks(String from, String mailFrom, byte[] message) throws Exception {
        DebianPeers.require("swaks");
        Path file = Files.write(SenderDomainsDns.dir.resolve(UUID.randomUUID() + ".eml"), message);
        return new String(run(List.of("swaks", "--server", "127.0.0.1:" + ingress.port(), "--local-interface", from,
                "--helo", "client.sender.test", "--from", mailFrom, "--to", "alice@example.test", "--data", "@" + file), null),
                StandardCharsets.UTF_8);
    }

    private static String queued(String marker) {
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> !InboundTopic.containing(marker).isEmpty());
        ConsumerRecord<String, byte[]> r = InboundTopic.containing(marker).get(0);
        return new String(r.value(), StandardCharsets.UTF_8);
    }

    /** python3-authheaders on the message as sent, asking NSD through a resolv.conf of its own. */
    private static String authheaders(byte[] message, String ip, String mailFrom) throws Exception {
        DebianPeers.require("python:authheaders", "python:spf");
        Path script = Loopback.resource("auth-results.py", SenderDomainsDns.dir);
        List<String> command = SenderDomainsDns.dns.resolvConf(SenderDomainsDns.dir,
                List.of("/usr/bin/python3", script.toString(), "mx.example.test", ip, mailFrom, "client.sender.test"));
        return new String(run(command, message), StandardCharsets.UTF_8);
    }

    /** method=result of each clause of the first Authentication-Results field (the first dkim= for dkim). */
    static Map<String, String> results(String text) {
        Matcher field = Pattern.compile("Authentication-Results: *[^;]*;((?:[^\\r\\n]|\\r?\\n[ \\t])*)").matcher(text);
        assertTrue(field.find(), text);
        Map<String, String> out = new TreeMap<>();
        Matcher clause = Pattern.compile("(spf|dkim|dmarc)=([a-z]+)").matcher(field.group(1));
        while (clause.find()) {
            out.putIfAbsent(clause.group(1), clause.group(2));
        }
        return out;
    }

    private static int count(String text, String what) {
        return text.split(Pattern.quote(what), -1).length - 1;
    }

    private static byte[] run(List<String> command, byte[] input) throws Exception {
        Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(input == null).start();
        if (input != null) {
            p.getOutputStream().write(input);
        }
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        p.waitFor(Duration.ofSeconds(60).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        return out;
    }
}
