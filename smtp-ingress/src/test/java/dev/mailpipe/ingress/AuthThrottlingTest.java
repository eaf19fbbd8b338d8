package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.kafka.LocalKafkaResource;
import dev.mailpipe.peers.DebianPeers;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A guesser who opens a new session for every password: slowed past two failures, refused with
 * 454 past five, while the owner gets in from another address; the log lines are the ones the
 * shipped fail2ban filter matches.
 */
@QuarkusTest
@TestProfile(AuthThrottlingTest.Strict.class)
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TlsKeystoreResource.class, restrictToAnnotatedClass = true)
@Tag("service")
class AuthThrottlingTest {
    static final Path LOG = Path.of("target", "auth-throttling.log");
    private static final String USER = "owner@example.test";
    private static final String PASSWORD = "the right one";
    private static final Duration FIRST_DELAY = Duration.ofMillis(400);

    public static class Strict implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "mailpipe.ingress.auth-throttling.free-failures", "2",
                    "mailpipe.ingress.auth-throttling.first-delay", FIRST_DELAY.toMillis() + "ms",
                    "mailpipe.ingress.auth-throttling.max-delay", "800ms",
                    "mailpipe.ingress.auth-throttling.max-failures-per-client", "5",
                    "quarkus.log.file.enable", "true",
                    "quarkus.log.file.path", LOG.toString(),
                    "quarkus.log.file.format", "%d{HH:mm:ss.SSS} %-5p [ingress] %s%e%n");
        }
    }

    @Inject
    SmtpIngress ingress;

    @Inject
    dev.mailpipe.runtime.MailboxRegistry registry;

    @Inject
    MeterRegistry metrics;

    @BeforeAll
    static void createAccount() throws Exception {
        TestAccounts.create(USER, PASSWORD);
    }

    /** A new session from {@code source}, inside TLS, that tries one password; returns AUTH's reply. */
    private String tryOnce(String source, String password) throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connectFrom(source, ingress.submissionPort())) {
            c.reply();
            c.send("EHLO guesser.test");
            assertEquals("220 2.0.0 Ready to start TLS", c.send("STARTTLS"));
            c.startTls();
            c.send("EHLO guesser.test");
            String plain = Base64.getEncoder().encodeToString(("\0" + USER + "\0" + password).getBytes(StandardCharsets.UTF_8));
            return c.send("AUTH PLAIN " + plain);
        }
    }

    @Test
    void aGuesserIsSlowedThenRefusedWhileTheOwnerStillGetsInAndFail2banSeesIt() throws Exception {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> registry.mailbox(USER).isPresent());
        List<String> replies = new ArrayList<>();
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            long started = System.nanoTime();
            replies.add(tryOnce("127.0.0.51", "guess " + i));
            millis.add((System.nanoTime() - started) / 1_000_000);
        }
        for (int i = 0; i < 5; i++) {
            assertEquals("535 5.7.8 Authentication credentials invalid", replies.get(i), "attempt " + (i + 1));
        }
        for (int i = 5; i < 50; i++) {
            assertEquals("454 4.7.0 Too many failed authentication attempts; try again later", replies.get(i),
                    "attempt " + (i + 1));
        }
        for (int i = 2; i < 5; i++) {
            assertTrue(millis.get(i) >= FIRST_DELAY.toMillis(), "failure " + (i + 1) + " was answered after "
                    + millis.get(i) + " ms, before its delay");
        }
        assertEquals("235 2.7.0 Authentication successful", tryOnce("127.0.0.52", PASSWORD),
                "the owner, from elsewhere, is neither refused nor slowed by the guesser's failures");
        assertEquals(5.0, metrics.get("mailpipe.ingress.auth").tag("outcome", "failure").counter().count());
        assertEquals(45.0, metrics.get("mailpipe.ingress.auth").tag("outcome", "locked-out").counter().count());

        // The shipped fail2ban filter matches every failure and refusal of the guesser, nothing else.
        DebianPeers.require("fail2ban-regex");
        Path filter = Path.of("..", "contrib", "fail2ban", "filter.d", "mailpipe-auth.conf");
        Process p = new ProcessBuilder("fail2ban-regex", LOG.toString(), filter.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        List<String> lines = Files.readAllLines(LOG);
        assertEquals(5, lines.stream().filter(l -> l.contains("AUTH failed: client=127.0.0.51 account=" + USER)).count());
        assertEquals(45, lines.stream().filter(l -> l.contains("AUTH refused: client=127.0.0.51")).count());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Lines: \\d+ lines, \\d+ ignored, (\\d+) matched").matcher(out);
        assertTrue(m.find(), out);
        assertEquals(50, Integer.parseInt(m.group(1)), out);
    }
}
