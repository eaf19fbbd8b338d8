package dev.mailpipe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A failure is waited out and the loop opens again; an Error is not, and ends the process. */
@Tag("unit")
class StageLoopTest {
    /** Fails as told, then counts the calls; records what would end the process instead of ending it. */
    private static final class Failing extends StageLoop {
        final AtomicInteger calls = new AtomicInteger();
        final CompletableFuture<Error> died = new CompletableFuture<>();
        final CompletableFuture<Void> endedAfter = new CompletableFuture<>();
        private final Throwable first;

        Failing(Throwable first) {
            this.first = first;
        }

        @Override
        protected void consumeUntilStopped() {
            if (calls.incrementAndGet() == 1) {
                if (first instanceof Error e) {
                    throw e;
                }
                throw (RuntimeException) first;
            }
            while (running()) {
                Thread.onSpinWait();
            }
        }

        @Override
        protected void failed(RuntimeException failure, Duration pause) {
        }

        @Override
        protected void died(Error e) {
            died.complete(e);
        }

        @Override
        protected void ended() {
            endedAfter.complete(null);
        }
    }

    @Test
    void anErrorInTheLoopEndsTheProcessInsteadOfLeavingItRunningWithoutALoop() throws Exception {
        Failing loop = new Failing(new OutOfMemoryError("Java heap space"));
        loop.start("test-loop");
        Error e = loop.died.get(5, TimeUnit.SECONDS);
        assertEquals("Java heap space", e.getMessage());
        loop.endedAfter.get(5, TimeUnit.SECONDS);
        assertEquals(1, loop.calls.get(), "not opened again");
        assertFalse(loop.consuming());
    }

    @Test
    void aRuntimeFailureIsWaitedOutAndTheLoopOpensAgain() throws Exception {
        Failing loop = new Failing(new IllegalStateException("broker gone"));
        loop.start("test-loop");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (loop.calls.get() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(2, loop.calls.get(), "opened again after the pause");
        assertFalse(loop.died.isDone());
        loop.stop();
        assertTrue(loop.endedAfter.isDone());
    }

    /** Polls an empty consumer until told to stop polling, then hangs in its "batch". */
    private static final class Hanging extends StageLoop {
        volatile boolean hang;
        final org.apache.kafka.clients.consumer.MockConsumer<String, String> consumer =
                new org.apache.kafka.clients.consumer.MockConsumer<>("earliest");

        @Override
        protected void consumeUntilStopped() {
            while (running()) {
                if (hang) {
                    Thread.onSpinWait();
                } else {
                    poll(consumer, Duration.ofMillis(10));
                }
            }
        }

        @Override
        protected void failed(RuntimeException failure, Duration pause) {
        }
    }

    @Test
    void aLoopThatStopsPollingIsNotAliveAndOneThatEndsIsNotEither() throws Exception {
        Hanging loop = new Hanging();
        loop.start("test-hanging");
        Thread.sleep(300);
        assertTrue(loop.alive(Duration.ofMillis(200)), "polling");
        loop.hang = true;
        Thread.sleep(400);
        assertFalse(loop.alive(Duration.ofMillis(200)), "stuck in a batch");
        loop.hang = false;
        Thread.sleep(100);
        assertTrue(loop.alive(Duration.ofMillis(200)), "going round again");
        loop.stop();
    }
}
