package dev.mailpipe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class BackoffTest {
    @Test
    void freeFailuresThenDoublingUpToTheMaximum() {
        Backoff b = new Backoff(3, Duration.ofSeconds(1), Duration.ofSeconds(16));
        assertEquals(Duration.ZERO, b.after(3));
        assertEquals(Duration.ofSeconds(1), b.after(4));
        assertEquals(Duration.ofSeconds(2), b.after(5));
        assertEquals(Duration.ofSeconds(16), b.after(8));
        assertEquals(Duration.ofSeconds(16), b.after(1000), "no overflow however many");
    }
}
