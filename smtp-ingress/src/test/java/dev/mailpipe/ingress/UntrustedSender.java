package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** One message from a client outside the relay networks (127.0.0.85), as the content-filter tests send it. */
final class UntrustedSender {
    private UntrustedSender() {
    }

    /** The reply to the message's final dot. */
    static String send(int port, String... text) throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connectFrom("127.0.0.85", port)) {
            c.reply();
            c.send("EHLO client.test");
            assertEquals("250 2.1.0 Ok", c.send("MAIL FROM:<someone@sender.test>"));
            assertEquals("250 2.1.5 Ok", c.send("RCPT TO:<alice@example.test>"));
            assertEquals("354 End data with <CR><LF>.<CR><LF>", c.send("DATA"));
            return c.send(String.join("\r\n", text) + "\r\n.");
        }
    }

    /** The header section of a message from someone@sender.test to alice, its Message-ID carrying {@code marker}. */
    static String headers(String marker, String subject) {
        return "From: Someone <someone@sender.test>\r\nTo: Alice <alice@example.test>\r\nDate: Sun, 6 Dec 2026 12:00:00 +0000\r\n"
                + "Message-ID: <" + marker + "@sender.test>\r\nSubject: " + subject;
    }
}
