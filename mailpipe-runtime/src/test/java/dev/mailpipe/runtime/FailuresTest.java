package dev.mailpipe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class FailuresTest {
    @Test
    void manyFailuresAreCountedAndOnlyTheFirstIsPrinted() {
        IllegalStateException first = new IllegalStateException("send 0 failed");
        for (int i = 1; i < 2000; i++) {
            first.addSuppressed(new IllegalStateException("send " + i + " failed"));
        }
        assertEquals("2000 failures, the first: java.lang.IllegalStateException: send 0 failed", Failures.summary(first));
    }

    @Test
    void aSingleFailureIsPrintedAsItIs() {
        assertEquals("java.io.IOException: broker gone", Failures.summary(new java.io.IOException("broker gone")));
    }
}
