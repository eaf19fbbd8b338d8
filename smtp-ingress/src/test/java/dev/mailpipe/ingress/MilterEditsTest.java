package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mailpipe.ingress.milter.MilterPacket;
import dev.mailpipe.ingress.milter.MilterVerdict;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A milter's changes as they land in the message, and the cleaning of what it wrote. */
@Tag("unit")
class MilterEditsTest {
    private static final String TRACE = "Received: from client.test by mx.test; Sun, 6 Dec 2026 12:00:00 +0000\r\n";

    private static IncomingMessage message(String clientText) {
        byte[] own = TRACE.getBytes(StandardCharsets.US_ASCII);
        byte[] all = (TRACE + clientText).getBytes(StandardCharsets.UTF_8);
        return new IncomingMessage(all, own.length);
    }

    private static MilterPacket indexed(char letter, int index, String name, String value) {
        return new MilterPacket(letter, Buffer.buffer().appendInt(index).appendBytes((name + "\0" + value + "\0").getBytes()).getBytes());
    }

    private static String edited(String clientText, List<MilterPacket> changes, int actions) {
        IncomingMessage m = message(clientText);
        MilterEdits e = new MilterEdits(m);
        e.apply(changes, actions, false);
        e.writeTo(m);
        return new String(m.bytes(), StandardCharsets.UTF_8);
    }

    @Test
    void theMilterSeesEveryFieldUnfoldedAsLfWithoutTheLeadingSpace() {
        MilterEdits e = new MilterEdits(message("Subject: a\r\n b\r\nTo: x@y.test\r\n\r\nbody\r\n"));
        List<String[]> h = e.headers(false);
        assertEquals(List.of("Received", "Subject", "To"), h.stream().map(f -> f[0]).toList());
        assertEquals("a\n b", h.get(1)[1]);
        assertEquals("body\r\n", new String(e.body(), StandardCharsets.US_ASCII));
    }

    @Test
    void addedFieldsAreFoldedSoNoLineOfTheMiltersMakingAppears() {
        String out = edited("Subject: a\r\n\r\nbody\r\n",
                List.of(MilterPacket.strings('h', "X-Note", "one\r\nBcc: victim@example.test\nthree")), 0x01);
        assertEquals(TRACE + "Subject: a\r\nX-Note: one\r\n Bcc: victim@example.test\r\n three\r\n\r\nbody\r\n", out);
    }

    @Test
    void insertedFieldsNeverGoAboveTheTraceAndItIsNeverChanged() {
        String out = edited("Subject: a\r\n\r\nbody\r\n", List.of(indexed('i', 0, "DKIM-Signature", "v=1"),
                indexed('m', 1, "Received", "forged"), indexed('m', 1, "Subject", "")), 0x11);
        assertEquals(TRACE + "DKIM-Signature: v=1\r\n\r\nbody\r\n", out);
    }

    @Test
    void aBadFieldNameIsLeftOutAndTheBodyIsReplacedWithCrlfLineEnds() {
        String out = edited("Subject: a\r\n\r\nbody\r\n", List.of(MilterPacket.strings('h', "Bad Name", "x"),
                new MilterPacket('b', "new\nbody\n".getBytes(StandardCharsets.US_ASCII))), 0x03);
        assertEquals(TRACE + "Subject: a\r\n\r\nnew\r\nbody\r\n", out);
    }

    @Test
    void aChangeTheMilterDidNotNegotiateIsAProtocolError() {
        assertThrows(IllegalStateException.class, () -> edited("Subject: a\r\n\r\nb\r\n",
                List.of(new MilterPacket('b', "x".getBytes())), 0x01));
        assertThrows(IllegalStateException.class, () -> edited("Subject: a\r\n\r\nb\r\n",
                List.of(MilterPacket.strings('+', "<x@y.test>")), 0x33));
    }

    @Test
    void aMiltersReplyIsItsOwnOnlyWithinTheClassOfItsVerdictAndCleaned() {
        assertEquals(Reply.of(554, "5.7.1", "Virus found"),
                MilterReplies.of(new MilterVerdict(MilterVerdict.Kind.REJECT, "554 5.7.1 Virus found", List.of())));
        assertEquals(MilterRun.TEMPFAILED,
                MilterReplies.of(new MilterVerdict(MilterVerdict.Kind.TEMPFAIL, "550 5.7.1 a contradiction", List.of())));
        assertEquals(new Reply(550, "5.7.1", List.of("first", "second")),
                MilterReplies.of(new MilterVerdict(MilterVerdict.Kind.REJECT, "550-5.7.1 first\r\n550 5.7.1 second", List.of())));
        assertEquals(new Reply(550, "5.7.1", List.of("no status")),
                MilterReplies.of(new MilterVerdict(MilterVerdict.Kind.REJECT, "550 no status", List.of())));
        assertEquals(MilterRun.REJECTED, MilterReplies.of(new MilterVerdict(MilterVerdict.Kind.REJECT, null, List.of())));
    }

    @Test
    void postfixMilterListsParseWithTheirOwnSettings() {
        MilterConfig defaults = TestConfig.of(MilterConfig.class, java.util.Map.of());
        List<MilterSpec> specs = MilterSpec.parse("inet:127.0.0.1:8891, { unix:/run/clamav/milter.sock, default_action = accept,"
                + " command_timeout=5s, content_timeout=2m } inet:[::1]:11332", defaults);
        assertEquals(List.of("inet:127.0.0.1:8891", "unix:/run/clamav/milter.sock", "inet:[::1]:11332"),
                specs.stream().map(MilterSpec::address).toList());
        assertEquals(MilterConfig.DefaultAction.TEMPFAIL, specs.get(0).defaultAction());
        assertEquals(MilterConfig.DefaultAction.ACCEPT, specs.get(1).defaultAction());
        assertEquals(java.time.Duration.ofSeconds(5), specs.get(1).commandTimeout());
        assertEquals(java.time.Duration.ofMinutes(2), specs.get(1).contentTimeout());
        assertThrows(IllegalArgumentException.class, () -> MilterSpec.parse("{ inet:a:1, bogus=1 }", defaults));
        assertThrows(IllegalArgumentException.class, () -> MilterSpec.parse("{ inet:a:1", defaults));
    }
}
