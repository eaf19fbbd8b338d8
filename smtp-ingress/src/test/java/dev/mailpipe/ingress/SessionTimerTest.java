package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The session's deadlines on a real event loop: stress cuts the waits, data must keep its rate. */
@Tag("unit")
class SessionTimerTest {
    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static SessionTimer.Limits limits(Duration command, Duration data, long rate, Duration stress) {
        return new SessionTimer.Limits(command.toNanos(), data.toNanos(), rate, Duration.ofMinutes(1).toNanos(), stress.toNanos());
    }

    @Test
    void underStressAnIdleSessionGoesAtTheStressTimeout() throws Exception {
        AtomicBoolean stressed = new AtomicBoolean(false);
        CompletableFuture<String> why = new CompletableFuture<>();
        long start = System.nanoTime();
        SessionTimer t = new SessionTimer(vertx, limits(Duration.ofSeconds(30), Duration.ofSeconds(30), 0, Duration.ofMillis(200)),
                () -> false, stressed::get, why::complete);
        vertx.runOnContext(v -> t.start());
        Thread.sleep(600);
        assertFalse(why.isDone(), "30 s for a command while all is calm");
        stressed.set(true);
        assertEquals("timeout exceeded", why.get(5, TimeUnit.SECONDS));
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertFalse(took > 5000, "gone at the stress timeout, not the command's 30 s: " + took + " ms");
    }

    @Test
    void dataThatKeepsTheRateGoesOnAndDataThatDoesNotEnds() throws Exception {
        CompletableFuture<String> why = new CompletableFuture<>();
        // Not under stress: its timeout is only how often the timer looks again.
        SessionTimer t = new SessionTimer(vertx, limits(Duration.ofSeconds(30), Duration.ofMillis(300), 1000, Duration.ofMillis(200)),
                () -> false, () -> false, why::complete);
        vertx.runOnContext(v -> {
            t.start();
            t.data(1);
        });
        // 200 octets every 100 ms: 2000 octets a second, twice the minimum.
        for (int i = 0; i < 10; i++) {
            Thread.sleep(100);
            vertx.runOnContext(v -> t.data(200));
        }
        assertFalse(why.isDone(), "a client at twice the rate is never cut");
        assertEquals("message data arriving too slowly", why.get(10, TimeUnit.SECONDS), "and once it stops, it is");
    }
}
