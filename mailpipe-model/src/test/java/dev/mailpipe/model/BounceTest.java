package dev.mailpipe.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class BounceTest {
    private static final byte[] ORIGINAL = "Subject: hello\r\nFrom: s@y.test\r\n\r\nthe body\r\n".getBytes(StandardCharsets.UTF_8);

    private static Envelope from(String sender, Recipient... rcpts) {
        return Envelope.received("q1", Instant.parse("2026-01-01T00:00:00Z"), new Envelope.Client("127.0.0.1", "h", false, null),
                sender, List.of(rcpts), ORIGINAL.length);
    }

    @Test
    void aFailureReportIsAMultipartReportFromTheNullSender() {
        Recipient r = Recipient.of("x@remote.test", "rfc822;x@remote.test", null);
        Bounce.Notice n = Bounce.of(from("s@y.test", r), ORIGINAL,
                List.of(new Bounce.Failure(r, "5.1.1", "smtp; 550 5.1.1 no such user", "mx.remote.test")),
                "mta.test", Instant.now()).orElseThrow();
        assertTrue(n.envelope().hasNullSender());
        assertEquals(List.of("s@y.test"), n.envelope().recipients().stream().map(Recipient::address).toList());
        assertEquals("NEVER", n.envelope().recipients().get(0).notifyOn().orElseThrow(), "a bounce asks for no notice itself");
        String text = new String(n.message(), StandardCharsets.UTF_8);
        assertTrue(text.contains("Content-Type: multipart/report; report-type=delivery-status;"));
        assertTrue(text.contains("Reporting-MTA: dns; mta.test\r\n"));
        assertTrue(text.contains("Final-Recipient: rfc822; x@remote.test\r\nOriginal-Recipient: rfc822;x@remote.test\r\n"
                + "Action: failed\r\nStatus: 5.1.1\r\nRemote-MTA: dns; mx.remote.test\r\nDiagnostic-Code: smtp; 550 5.1.1 no such user\r\n"));
        assertTrue(text.contains("Content-Type: message/rfc822\r\n\r\nSubject: hello"), "the whole original by default");
        assertTrue(text.contains("the body"));
    }

    @Test
    void noBounceForTheNullSenderOrForNotifyNever() {
        Recipient r = Recipient.of("x@remote.test");
        assertTrue(Bounce.of(from("", r), ORIGINAL, List.of(new Bounce.Failure(r, "5.1.1", "x", null)), "m", Instant.now()).isEmpty());
        Recipient never = Recipient.of("x@remote.test", null, "NEVER");
        assertTrue(Bounce.of(from("s@y.test", never), ORIGINAL, List.of(new Bounce.Failure(never, "5.1.1", "x", null)), "m",
                Instant.now()).isEmpty());
    }

    @Test
    void headersOnlyWithRetHdrsAndForDelayWarnings() {
        Recipient r = Recipient.of("x@remote.test");
        Envelope e = from("s@y.test", r).withText("ret", "HDRS");
        String failed = new String(Bounce.of(e, ORIGINAL, List.of(new Bounce.Failure(r, "5.0.0", "x", null)), "m",
                Instant.now()).orElseThrow().message(), StandardCharsets.UTF_8);
        assertTrue(failed.contains("Content-Type: text/rfc822-headers") && !failed.contains("the body"));
        String delayed = new String(Bounce.delayed(from("s@y.test", r), ORIGINAL,
                List.of(new Bounce.Failure(r, "4.4.1", "x", null)), "m", Instant.now()).orElseThrow().message(), StandardCharsets.UTF_8);
        assertTrue(delayed.contains("Subject: Delayed Mail (still being retried)") && delayed.contains("Action: delayed\r\nStatus: 4.4.1"));
        assertTrue(!delayed.contains("the body"));
        Recipient failureOnly = Recipient.of("x@remote.test", null, "FAILURE");
        assertTrue(Bounce.delayed(from("s@y.test", failureOnly), ORIGINAL, List.of(new Bounce.Failure(failureOnly, "4.4.1", "x", null)),
                "m", Instant.now()).isEmpty(), "NOTIFY=FAILURE asks for no delay notice");
    }
}
