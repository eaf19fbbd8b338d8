package dev.mailpipe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class FailureCountsTest {
    @Test
    void parallelGuessesAreAllCountedBeforeAnyIsChecked() throws Exception {
        FailureCounts counts = new FailureCounts(Duration.ofMinutes(15), 1000);
        AtomicInteger allowed = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        for (int i = 0; i < 200; i++) {
            pool.submit(() -> {
                go.await();
                if (counts.begin("192.0.2.66", 10)) {
                    allowed.incrementAndGet();
                }
                return null;
            });
        }
        go.countDown();
        pool.shutdown();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        assertEquals(10, allowed.get(), "ten tries reach a password check, however many come at once");
        assertEquals(10, counts.of("192.0.2.66"));
    }

    @Test
    void aTryThatSucceedsGivesItsCountBack() {
        FailureCounts counts = new FailureCounts(Duration.ofMinutes(15), 1000);
        assertTrue(counts.begin("carol@example.test", 2));
        counts.succeeded("carol@example.test");
        assertTrue(counts.begin("carol@example.test", 2));
        assertTrue(counts.begin("carol@example.test", 2));
        assertFalse(counts.begin("carol@example.test", 2), "two failures: the limit");
    }
}
