package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The budget of message bytes: shared by all, a share per client, all given back. */
@Tag("unit")
class MessageMemoryTest {
    private static final long STEP = MessageMemory.STEP;

    @Test
    void oneClientHoldsAtMostItsShareAndTheOthersKeepTheRest() {
        MessageMemory memory = new MessageMemory(8 * STEP, 0.25);
        MessageMemory.Account a1 = memory.account("192.0.2.1");
        MessageMemory.Account a2 = memory.account("192.0.2.1");
        assertTrue(a1.take(STEP));
        assertTrue(a2.take(STEP));
        assertFalse(memory.account("192.0.2.1").take(1), "the client's share (2 steps) is spent");
        MessageMemory.Account other = memory.account("192.0.2.2");
        assertTrue(other.take(2 * STEP));
        assertEquals(4 * STEP, memory.used());
        a1.release();
        a2.release();
        other.release();
        assertEquals(0, memory.used(), "all given back");
        assertTrue(memory.account("192.0.2.1").take(2 * STEP), "and the client may take its share again");
    }

    @Test
    void theWholeBudgetIsNeverPassed() {
        MessageMemory memory = new MessageMemory(4 * STEP, 1.0);
        int granted = 0;
        for (int i = 0; i < 10; i++) {
            if (memory.account("198.51.100." + i).take(STEP)) {
                granted++;
            }
        }
        assertEquals(4, granted);
        assertEquals(4 * STEP, memory.used());
    }

    @Test
    void aMessageThatCannotHaveMemoryIsReadToItsEndStoredNoFurtherAndRefusedWith452() {
        MessageMemory memory = new MessageMemory(2 * STEP, 1.0);
        MessageMemory.Account hog = memory.account("192.0.2.9");
        assertTrue(hog.take(2 * STEP));
        SmtpInput input = new SmtpInput(512, 1000, memory.account("192.0.2.10"));
        input.startData(10_000_000, new MessageBytes(new byte[0], 0));
        input.append(Buffer.buffer("Subject: big\r\n\r\n" + ("y".repeat(998) + "\r\n").repeat(100) + ".\r\nQUIT\r\n"));
        SmtpInput.Message m = assertInstanceOf(SmtpInput.Message.class, input.next());
        assertEquals(SmtpInput.Violation.NO_MEMORY, m.violation());
        assertEquals(0, m.data().length(), "nothing stored past the refusal");
        assertEquals("452 4.3.1 Error: insufficient system storage, try again later",
                m.violation().reply(null).toString());
        assertEquals("QUIT", ((SmtpInput.CommandLine) input.next()).text(), "the session goes on after it");
    }

    @Test
    void ipv6ClientsCountPerSlash64() {
        assertEquals("2001:db8:1:2::/64", ClientKey.of("2001:db8:1:2:aaaa:bbbb:cccc:dddd"));
        assertEquals(ClientKey.of("2001:db8:1:2::1"), ClientKey.of("2001:db8:1:2:ffff::9"));
        assertFalse(ClientKey.of("2001:db8:1:3::1").equals(ClientKey.of("2001:db8:1:2::1")));
        assertEquals("192.0.2.7", ClientKey.of("::ffff:192.0.2.7"));
        assertEquals("192.0.2.7", ClientKey.of("192.0.2.7"));
    }

    @Test
    void settingsThatCouldNeverHoldTheLargestMessageAreRefusedAtStart() {
        long max = dev.mailpipe.model.Topics.MAX_MESSAGE_BYTES;
        IllegalStateException tooBig = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> MessageMemory.of(max + 1, 0, 0.25, 256L << 20));
        assertTrue(tooBig.getMessage().contains("above what a record of the topics can hold"), tooBig.getMessage());
        IllegalStateException tooSmall = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> MessageMemory.of(max, 0, 0.25, 64L << 20));
        assertTrue(tooSmall.getMessage().contains("cannot hold one message"), tooSmall.getMessage());
        MessageMemory launcher = MessageMemory.of(max, 0, 0.25, 256L << 20);
        assertEquals(64L << 20, launcher.budget(), "a quarter of the launcher's 256 MiB heap");
        assertTrue(launcher.account("192.0.2.1").take(max), "one client may always hold one message of the largest size");
    }
}
