package dev.mailpipe.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

class SiteLimiterTest {
    @Test
    void capsEachSiteAndTheTotalAndServesWaitersInOrder() {
        SiteLimiter limiter = new SiteLimiter(2, 3);
        Future<Runnable> a1 = limiter.acquire("mx.a");
        Future<Runnable> a2 = limiter.acquire("mx.a");
        Future<Runnable> a3 = limiter.acquire("mx.a");
        assertTrue(a1.succeeded() && a2.succeeded());
        assertFalse(a3.isComplete(), "a third transfer to one site waits");
        Future<Runnable> b1 = limiter.acquire("mx.b");
        assertTrue(b1.succeeded(), "another site is not held up by the first");
        Future<Runnable> c1 = limiter.acquire("mx.c");
        assertFalse(c1.isComplete(), "the overall limit of 3 is reached");
        a1.result().run();
        assertTrue(a3.succeeded(), "the waiter for mx.a came first");
        assertFalse(c1.isComplete());
        b1.result().run();
        assertTrue(c1.succeeded());
        assertEquals(2, limiter.running("mx.a"));
    }
}
