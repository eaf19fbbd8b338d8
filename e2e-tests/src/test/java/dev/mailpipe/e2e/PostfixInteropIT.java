package dev.mailpipe.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.peers.PostfixInstance;
import dev.mailpipe.peers.TestCa;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Postfix, Debian's MTA, on both sides of mailpipe. As the MTA that hands mail on: its smtp(8)
 * client delivers to mailpipe with STARTTLS, pipelining and 8BITMIME, and the mail lands in a
 * mailpipe Maildir. As the MX mailpipe relays to (postfix.remote.test): its smtpd(8) takes the mail
 * over STARTTLS and virtual(8) puts it into its own Maildir, and its refusal of a recipient comes back to the sender as
 * mailpipe's bounce, with Postfix's reply in it.
 */
@ExtendWith(SharedPipeline.class)
@Tag("e2e")
class PostfixInteropIT {
    private static final String CAROL = "carol@postfix.remote.test";
    /** A mailbox of this test's own: the pipeline is shared, and other tests count the files in theirs. */
    private static final String PIET = "piet@example.test";
    private static final Pattern QUEUED = Pattern.compile("250 2\\.0\\.0 Ok: queued as (\\S+)");
    private static PostfixInstance postfix;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startPostfix(@TempDir Path dir) throws Exception {
        // A private instance runs its daemons as root and postfix, as bench/compare's does.
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "a private Postfix instance needs root");
        Pipeline p = SharedPipeline.get().pipeline;
        p.createMailbox(PIET);
        Path instance = Files.createDirectories(dir.resolve("postfix"));
        instance.toFile().setExecutable(true, false); // virtual(8) delivers as nobody below it
        dir.toFile().setExecutable(true, false);
        // Its smtpd offers STARTTLS with a certificate from a test CA mailpipe does not know: the
        // relay encrypts opportunistically, as to any MX without DANE or MTA-STS.
        Path[] certAndKey = TestCa.create(instance.resolve("ca")).issue("smtpd", "postfix-mx.remote.test");
        postfix = PostfixInstance.start(instance, 0, List.of(CAROL), new PostfixInstance.Settings("127.0.0.15",
                SharedPipeline.get().smtpPort, List.of("example.test smtp:[127.0.0.1]:" + p.smtpPort), null,
                List.of("myhostname = postfix-mx.remote.test", "smtp_tls_security_level = may", "smtp_tls_loglevel = 1",
                        "smtpd_tls_security_level = may", "smtpd_tls_cert_file = " + certAndKey[0], "smtpd_tls_key_file = " + certAndKey[1],
                        "smtpd_tls_received_header = yes", "smtpd_tls_loglevel = 1")));
    }

    @AfterAll
    static void stopPostfix() throws Exception {
        if (postfix != null) {
            postfix.close();
        }
    }

    @Test
    void postfixHandsMailToMailpipeOverTls() throws Exception {
        Path msg = Swaks.message(tmp, "in.eml", "From: carol@postfix.remote.test", "To: " + PIET,
                "Subject: from postfix", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 8bit", "", "Grüße über Postfix");
        String sent = Swaks.sendTo(postfix.address + ":" + postfix.port, CAROL, List.of(PIET), msg);
        assertTrue(sent.contains("250 2.0.0 Ok: queued as"), sent);
        Path pietNew = SharedPipeline.get().pipeline.maildir("example.test", "piet").resolve("new");
        await().atMost(Duration.ofSeconds(60)).until(() -> withSubject(pietNew, "from postfix").size() == 1);
        String delivered = Files.readString(withSubject(pietNew, "from postfix").get(0), StandardCharsets.UTF_8);
        // mailpipe's trace header names Postfix as it greeted, over TLS (RFC 3848's ESMTPS).
        assertTrue(delivered.contains("Received: from postfix-mx.remote.test ([127.0.0.1])"), delivered);
        assertTrue(delivered.contains("with ESMTPS"), delivered);
        assertTrue(delivered.contains("Grüße über Postfix"), "8-bit text unchanged: " + delivered);
        // Postfix's log: one delivery to mailpipe, TLS, mailpipe's queue id in the reply.
        String log = postfix.log();
        assertTrue(log.contains("TLS connection established to 127.0.0.1"), log);
        Matcher m = Pattern.compile("to=<piet@example\\.test>, relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:\\d+,.*status=sent "
                + "\\(250 2\\.0\\.0 Ok: queued as (\\S+)\\)").matcher(log);
        assertTrue(m.find(), log);
    }

    @Test
    void mailpipeRelaysToPostfixAsTheMxOverTls() throws Exception {
        Path msg = Swaks.message(tmp, "out.eml", "From: bob@example.test", "To: " + CAROL, "Subject: to postfix", "",
                "relayed by mailpipe");
        String sent = Swaks.send(SharedPipeline.get().pipeline.smtpPort, "bob@example.test", List.of(CAROL), msg);
        Matcher queued = QUEUED.matcher(sent);
        assertTrue(queued.find(), sent);
        await().atMost(Duration.ofSeconds(60)).until(() -> withSubject(postfix.newMail(CAROL), "to postfix").size() == 1);
        String delivered = Files.readString(withSubject(postfix.newMail(CAROL), "to postfix").get(0), StandardCharsets.UTF_8);
        // Postfix's own trace header on top, over TLS (ESMTPS), mailpipe's below it with the id it gave.
        assertTrue(delivered.contains("by postfix-mx.remote.test (Postfix) with ESMTPS"), delivered);
        assertTrue(delivered.contains("(mailpipe) with ESMTP id " + queued.group(1)), delivered);
        assertTrue(delivered.contains("\nrelayed by mailpipe"), delivered);
        assertTrue(postfix.log().contains("to=<" + CAROL + ">, relay=virtual, delay="), postfix.log());
    }

    @Test
    void postfixRefusingARecipientBouncesToTheSenderWithItsReply() throws Exception {
        String nobody = "nobody@postfix.remote.test";
        Path msg = Swaks.message(tmp, "refused.eml", "From: bob@example.test", "To: " + nobody, "Subject: refused by postfix",
                "", "Postfix has no such mailbox");
        assertTrue(Swaks.send(SharedPipeline.get().pipeline.smtpPort, "bob@example.test", List.of(nobody), msg)
                .contains("250 2.0.0 Ok: queued as"));
        Path bobNew = SharedPipeline.get().pipeline.maildir("example.test", "bob").resolve("new");
        await().atMost(Duration.ofSeconds(60)).until(() -> bounces(bobNew, "refused by postfix").size() == 1);
        String dsn = Files.readString(bounces(bobNew, "refused by postfix").get(0), StandardCharsets.UTF_8);
        assertTrue(dsn.contains("Final-Recipient: rfc822; " + nobody + "\r\nAction: failed\r\nStatus: 5.1.1"), dsn);
        assertTrue(dsn.contains("Remote-MTA: dns; postfix-mx.remote.test"), dsn);
        assertTrue(dsn.contains("Diagnostic-Code: smtp; 550 5.1.1 <" + nobody + ">: Recipient address rejected: User unknown in "
                + "virtual mailbox table"), dsn);
        assertEquals(List.of(), files(postfix.newMail(nobody), ""), "nothing for the refused recipient on Postfix's side");
    }

    private static List<Path> withSubject(Path dir, String subject) throws Exception {
        return files(dir, "Subject: " + subject);
    }

    private static List<Path> bounces(Path dir, String subject) throws Exception {
        return files(dir, "Undelivered Mail Returned to Sender").stream().filter(p -> read(p).contains(subject)).toList();
    }

    private static List<Path> files(Path dir, String containing) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> read(p).contains(containing)).toList();
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
