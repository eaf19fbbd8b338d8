package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** How the byte stream is cut: only CRLF.CRLF ends DATA, and anything bare refuses the message. */
@Tag("unit")
class SmtpInputTest {
    private final SmtpInput input = new SmtpInput(512, 100);

    private void feed(String s) {
        input.append(Buffer.buffer(s));
    }

    private SmtpInput.Message message(String text) {
        input.startData(10_000, new MessageBytes(new byte[0], 0));
        feed(text);
        return assertInstanceOf(SmtpInput.Message.class, input.next());
    }

    @Test
    void commandLinesArriveWholeAndInOrderWhateverTheSegments() {
        feed("EHLO cli");
        assertNull(input.next());
        feed("ent.test\r\nMAIL FROM:<>\r\nRC");
        assertEquals("EHLO client.test", ((SmtpInput.CommandLine) input.next()).text());
        assertEquals("MAIL FROM:<>", ((SmtpInput.CommandLine) input.next()).text());
        assertNull(input.next());
        assertEquals(2, input.buffered());
    }

    @Test
    void anOverlongCommandLineIsReportedOnceAndTheNextOneIsRead() {
        feed("NOOP " + "x".repeat(600));
        assertNull(input.next());
        feed("x".repeat(600) + "\r\nQUIT\r\n");
        SmtpInput.CommandLine longOne = (SmtpInput.CommandLine) input.next();
        assertTrue(longOne.tooLong());
        assertEquals("QUIT", ((SmtpInput.CommandLine) input.next()).text());
    }

    @Test
    void dataEndsAtCrlfDotCrlfAndIsDotUnstuffed() {
        SmtpInput.Message m = message("Subject: x\r\n\r\n..leading dot\r\n.\r\nQUIT\r\n");
        assertEquals(SmtpInput.Violation.NONE, m.violation());
        assertEquals("Subject: x\r\n\r\n.leading dot\r\n", m.data().text());
        assertEquals("QUIT", ((SmtpInput.CommandLine) input.next()).text(), "after the end, commands again");
    }

    @Test
    void smugglingEndingsDoNotEndDataAndRefuseTheMessage() {
        for (String hidden : new String[] {"\n.\n", "\r\n.\n", "\n.\r\n", "\r.\r"}) {
            SmtpInput fresh = new SmtpInput(512, 100);
            fresh.startData(10_000, new MessageBytes(new byte[0], 0));
            fresh.append(Buffer.buffer("a" + hidden + "MAIL FROM:<x@evil.test>\r\n.\r\n"));
            SmtpInput.Message m = assertInstanceOf(SmtpInput.Message.class, fresh.next(), hidden);
            assertEquals(SmtpInput.Violation.BARE_NEWLINE, m.violation(), hidden.replace("\r", "CR").replace("\n", "LF"));
            assertNull(fresh.next(), "the hidden command never becomes one");
        }
    }

    @Test
    void overlongLinesAndOversizeMessagesAreReadToTheEndAndRefused() {
        assertEquals(SmtpInput.Violation.LINE_TOO_LONG, message("x".repeat(101) + "\r\n.\r\n").violation());
        input.startData(50, new MessageBytes(new byte[0], 0));
        feed(("y".repeat(40) + "\r\n").repeat(3) + ".\r\n");
        SmtpInput.Message big = (SmtpInput.Message) input.next();
        assertEquals(SmtpInput.Violation.TOO_BIG, big.violation());
        assertTrue(input.size() > 50, "counted past the limit: " + input.size());
    }

    @Test
    void aChunkIsExactlyItsLengthEvenWithCrlfDotCrlfInside() {
        MessageBytes into = new MessageBytes("Received: x\r\n".getBytes(), 0);
        input.startChunk(9, into, 0, 10_000);
        feed("ab\r\n.\r\ncdNOOP\r\n");
        assertInstanceOf(SmtpInput.Chunk.class, input.next());
        assertEquals("ab\r\n.\r\ncd", into.text());
        assertEquals("Received: x\r\nab\r\n.\r\ncd", new String(into.array()), "behind the trace header, in one array");
        assertEquals("NOOP", ((SmtpInput.CommandLine) input.next()).text());
    }
}
