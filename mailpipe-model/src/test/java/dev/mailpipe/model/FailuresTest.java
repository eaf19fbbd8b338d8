package dev.mailpipe.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.smallrye.mutiny.CompositeException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class FailuresTest {
    @Test
    void manyFailuresAreCountedAndOnlyTheFirstIsPrinted() {
        List<Throwable> causes = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            causes.add(new IllegalStateException("send " + i + " failed"));
        }
        assertEquals("2000 failures, the first: java.lang.IllegalStateException: send 0 failed",
                Failures.summary(new CompositeException(causes)));
    }

    @Test
    void aSingleFailureIsPrintedAsItIs() {
        assertEquals("java.io.IOException: broker gone", Failures.summary(new java.io.IOException("broker gone")));
    }
}
