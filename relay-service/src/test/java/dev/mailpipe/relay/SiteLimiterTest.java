package dev.mailpipe.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class SiteLimiterTest {
    @Test
    void capsEachSiteAndTheTotalAndServesWaitersInOrder() {
        SiteLimiter limiter = new SiteLimiter(2, 2, 3);
        Future<SiteLimiter.Slot> a1 = limiter.acquire("mx.a");
        Future<SiteLimiter.Slot> a2 = limiter.acquire("mx.a");
        Future<SiteLimiter.Slot> a3 = limiter.acquire("mx.a");
        assertTrue(a1.succeeded() && a2.succeeded());
        assertFalse(a3.isComplete(), "a third transfer to one site waits");
        Future<SiteLimiter.Slot> b1 = limiter.acquire("mx.b");
        assertTrue(b1.succeeded(), "another site is not held up by the first");
        Future<SiteLimiter.Slot> c1 = limiter.acquire("mx.c");
        assertFalse(c1.isComplete(), "the overall limit of 3 is reached");
        a1.result().release(true);
        assertTrue(a3.succeeded(), "the waiter for mx.a came first");
        assertFalse(c1.isComplete());
        b1.result().release(true);
        assertTrue(c1.succeeded());
        assertEquals(2, limiter.running("mx.a"));
    }

    @Test
    void whenTheOverallLimitBindsTheWaitingSitesTakeTurns() {
        SiteLimiter limiter = new SiteLimiter(10, 10, 2);
        Future<SiteLimiter.Slot> a1 = limiter.acquire("mx.a");
        Future<SiteLimiter.Slot> a2 = limiter.acquire("mx.a");
        Future<SiteLimiter.Slot> a3 = limiter.acquire("mx.a");
        Future<SiteLimiter.Slot> a4 = limiter.acquire("mx.a");
        Future<SiteLimiter.Slot> b1 = limiter.acquire("mx.b");
        a1.result().release(true);
        assertTrue(a3.succeeded() && !b1.isComplete(), "mx.a's waiter came first");
        a2.result().release(true);
        assertTrue(b1.succeeded() && !a4.isComplete(), "then mx.b's turn, though mx.a has waited longer with a4");
        a3.result().release(true);
        assertTrue(a4.succeeded());
        // A backlog for one full site: every release starts exactly the next of its waiters.
        SiteLimiter one = new SiteLimiter(2, 2, 100);
        List<Future<SiteLimiter.Slot>> all = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            all.add(one.acquire("mx.full"));
        }
        for (int i = 0; i < 1998; i++) {
            all.get(i).result().release(true);
            assertTrue(all.get(i + 2).succeeded());
            assertEquals(2, one.running("mx.full"));
        }
    }

    @Test
    void theWindowGrowsWhileTheSiteAnswersAndShrinksWhenItFails() {
        SiteLimiter limiter = new SiteLimiter(2, 5, 100);
        assertEquals(2, startedAtOnce(limiter, "mx.a", true), "it starts at the initial window");
        for (int i = 0; i < 30; i++) {
            limiter.acquire("mx.a").result().release(true);
        }
        assertEquals(5.0, limiter.windows().get("mx.a"), "successes grow it up to the maximum");
        assertEquals(5, startedAtOnce(limiter, "mx.a", false));
        for (int i = 0; i < 40; i++) {
            limiter.acquire("mx.a").result().release(false);
        }
        assertEquals(1.0, limiter.windows().get("mx.a"), "failures shrink it, never below one");
        assertEquals(1, startedAtOnce(limiter, "mx.a", false));
        assertEquals(2, startedAtOnce(limiter, "mx.b", false), "each site learns on its own");
    }

    @Test
    void aSiteThatAnswersNoneOfAWholeWindowIsDeadItsWaitersLetGoAndTheFirstAfterwardsProbesIt() {
        long[] now = {1_000_000};
        SiteLimiter limiter = new SiteLimiter(2, 2, 100, 100, java.time.Duration.ofMinutes(2), () -> now[0], dev.mailpipe.relay.shaping.Shaping.NONE);
        Future<SiteLimiter.Slot> a1 = limiter.acquire("mx.dead");
        Future<SiteLimiter.Slot> a2 = limiter.acquire("mx.dead");
        Future<SiteLimiter.Slot> a3 = limiter.acquire("mx.dead");
        assertFalse(a3.isComplete());
        a1.result().release(SiteLimiter.Feedback.UNREACHABLE);
        assertFalse(a3.isComplete(), "one failure: the window shrinks to one, the waiter still waits");
        assertEquals(0, limiter.deadSites(), "one of a window of two: not dead yet");
        a2.result().release(SiteLimiter.Feedback.UNREACHABLE);
        assertTrue(a3.failed(), "a whole window in a row without an answer: dead, and its waiter is let go");
        assertEquals("4.4.1", ((SiteLimiter.Unavailable) a3.cause()).status());
        Future<SiteLimiter.Slot> refused = limiter.acquire("mx.dead");
        assertTrue(refused.failed() && refused.cause().getMessage().contains("no new connection to it for 120 s"),
                String.valueOf(refused.cause()));
        assertEquals(1, limiter.deadSites());
        assertTrue(limiter.acquire("mx.alive").succeeded(), "another site is not touched");

        now[0] += 121_000;
        Future<SiteLimiter.Slot> probe = limiter.acquire("mx.dead");
        assertTrue(probe.succeeded(), "after its time, one delivery probes the site");
        Future<SiteLimiter.Slot> behind = limiter.acquire("mx.dead");
        assertFalse(behind.isComplete(), "the window is down to one: the rest wait for the probe");
        probe.result().release(SiteLimiter.Feedback.ANSWERED);
        assertTrue(behind.succeeded(), "it answered: alive again");
        assertEquals(0, limiter.deadSites());
    }

    @Test
    void aServerThatDefersIsAliveHoweverOftenItDoes() {
        SiteLimiter limiter = new SiteLimiter(1, 1, 100, 100, java.time.Duration.ofMinutes(2), () -> 0L, dev.mailpipe.relay.shaping.Shaping.NONE);
        for (int i = 0; i < 20; i++) {
            Future<SiteLimiter.Slot> s = limiter.acquire("mx.greylisting");
            assertTrue(s.succeeded());
            s.result().release(SiteLimiter.Feedback.DEFERRED);
        }
        assertEquals(0, limiter.deadSites());
    }

    @Test
    void tooMuchWaitingForOneSiteIsRefusedAndAWaiterCanBeGivenUp() {
        long[] now = {0};
        SiteLimiter limiter = new SiteLimiter(1, 1, 100, 2, java.time.Duration.ZERO, () -> now[0],
                dev.mailpipe.relay.shaping.Shaping.NONE);
        Future<SiteLimiter.Slot> a1 = limiter.acquire("mx.full");
        Future<SiteLimiter.Slot> a2 = limiter.acquire("mx.full");
        Future<SiteLimiter.Slot> a3 = limiter.acquire("mx.full");
        now[0] += 11_000; // a transfer under way and none taken for eleven seconds: stuck
        Future<SiteLimiter.Slot> a4 = limiter.acquire("mx.full");
        assertTrue(a1.succeeded() && !a2.isComplete() && !a3.isComplete());
        assertTrue(a4.failed(), "a third waiter is one too many");
        assertEquals("4.4.5", ((SiteLimiter.Unavailable) a4.cause()).status());
        limiter.abandon("mx.full", a2, "no connection free within 300 s");
        assertTrue(a2.failed() && a2.cause().getMessage().equals("no connection free within 300 s"));
        a1.result().release(true);
        assertTrue(a3.succeeded(), "the given-up waiter is skipped, the next starts");
        limiter.abandon("mx.full", a3, "too late");
        assertTrue(a3.succeeded(), "a started transfer is not given up");
        assertTrue(limiter.acquire("mx.full").isComplete() == false, "room to wait again");
    }

    @Test
    void aSiteSuspendedByItsOwnWordTakesNothingUntilItsTimeAndARateKeepsItsPace() throws Exception {
        long[] now = {0};
        java.nio.file.Path file = java.nio.file.Files.createTempFile("shaping", ".yaml");
        java.nio.file.Files.writeString(file, """
                sites:
                  "*.slow.test": {connections: 3, messages-per-minute: 2}
                throttles:
                  - {match: "4\\\\.7\\\\.28", action: suspend, for: 10m}
                """);
        dev.mailpipe.relay.shaping.Shaping shaping = dev.mailpipe.relay.shaping.Shaping.read(file);
        SiteLimiter limiter = new SiteLimiter(5, 20, 100, 100, java.time.Duration.ofMinutes(2), () -> now[0], shaping);
        Future<SiteLimiter.Slot> a = limiter.acquire("*.slow.test", "a.test", false);
        Future<SiteLimiter.Slot> b = limiter.acquire("*.slow.test", "a.test", false);
        Future<SiteLimiter.Slot> c = limiter.acquire("*.slow.test", "a.test", false);
        assertTrue(a.succeeded() && b.succeeded() && !c.isComplete(), "two a minute: the third waits for a token");
        now[0] += 30_000;
        limiter.tick();
        assertTrue(c.succeeded(), "half a minute later one token is back");
        Future<SiteLimiter.Slot> d = limiter.acquire("*.slow.test", "a.test", false);
        assertFalse(d.isComplete());
        limiter.throttle("*.slow.test", shaping.throttleFor("421 4.7.28 slow down").orElseThrow(), "421 4.7.28 slow down");
        assertTrue(d.failed() && ((SiteLimiter.Unavailable) d.cause()).status().equals("4.4.5"), "its waiters are let go");
        assertTrue(limiter.acquire("*.slow.test", "a.test", false).failed(), "suspended: refused at once");
        assertEquals(1, limiter.deadSites());
        a.result().release(true);
        b.result().release(true);
        c.result().release(true);
        assertTrue(limiter.acquire("*.slow.test", "a.test", false).failed(), "an answer does not lift what the site asked for");
        now[0] += 11 * 60_000;
        assertTrue(limiter.acquire("*.slow.test", "a.test", false).succeeded(), "its time is up");
        limiter.throttle("*.other.test", shaping.throttleFor("421 4.7.28 x").orElseThrow(),
                "421-4.7.28 " + "flood\r\n".repeat(5000) + "421 4.7.28 end");
        String quoted = limiter.acquire("*.other.test", "o.test", false).cause().getMessage();
        assertTrue(quoted.length() < 500 && !quoted.contains("\n"), "a long reply is quoted on one short line: " + quoted.length());
    }

    @Test
    void noticesKeepToTheirOwnRateAndUserMailPassesThem() throws Exception {
        long[] now = {0};
        java.nio.file.Path file = java.nio.file.Files.createTempFile("shaping", ".yaml");
        java.nio.file.Files.writeString(file, "notices: {messages-per-minute: 1}\n");
        SiteLimiter limiter = new SiteLimiter(10, 10, 100, 100, java.time.Duration.ZERO, () -> now[0],
                dev.mailpipe.relay.shaping.Shaping.read(file));
        assertTrue(limiter.acquire("mx.a", "a.test", true).succeeded(), "the first bounce goes");
        Future<SiteLimiter.Slot> second = limiter.acquire("mx.a", "a.test", true);
        assertFalse(second.isComplete(), "one a minute: the second waits");
        assertTrue(limiter.acquire("mx.a", "a.test", false).succeeded(), "user mail to the site is not behind it");
        assertTrue(limiter.acquire("mx.b", "b.test", true).succeeded(), "each site has its own notices rate");
        now[0] += 60_000;
        limiter.tick();
        assertTrue(second.succeeded(), "a minute later");
    }

    @Test
    void newConnectionsKeepToTheirRateAndAReusedSessionIsNoNewConnection() throws Exception {
        long[] now = {0};
        int[] idle = {0};
        java.nio.file.Path file = java.nio.file.Files.createTempFile("shaping", ".yaml");
        java.nio.file.Files.writeString(file, "sites:\n  mx.a: {connections-per-minute: 2}\n");
        SiteLimiter limiter = new SiteLimiter(10, 10, 100, 100, java.time.Duration.ZERO, () -> now[0],
                dev.mailpipe.relay.shaping.Shaping.read(file), site -> site.equals("mx.a") ? idle[0] : 0);
        Future<SiteLimiter.Slot> a = limiter.acquire("mx.a");
        Future<SiteLimiter.Slot> b = limiter.acquire("mx.a");
        Future<SiteLimiter.Slot> c = limiter.acquire("mx.a");
        assertTrue(a.succeeded() && b.succeeded(), "two new connections a minute");
        assertFalse(c.isComplete(), "the third would be a third new connection: it waits");
        assertTrue(limiter.acquire("mx.b").succeeded(), "another site has no such limit");
        idle[0] = 1;
        a.result().release(true);
        assertTrue(c.succeeded(), "a session came back to the pool: the third reuses it");
        idle[0] = 0;
        Future<SiteLimiter.Slot> d = limiter.acquire("mx.a");
        assertFalse(d.isComplete());
        now[0] += 30_000;
        limiter.tick();
        assertTrue(d.succeeded(), "half a minute later one new connection is allowed again");
    }

    @Test
    void aSiteThatTakesItsMailFastMayHaveMoreWaitingThanOneThatDoesNot() {
        long[] now = {0};
        SiteLimiter limiter = new SiteLimiter(1, 1, 100, 2, java.time.Duration.ZERO, () -> now[0],
                dev.mailpipe.relay.shaping.Shaping.NONE);
        for (int i = 0; i < 60; i++) { // 60 deliveries taken in 6 s: ten a second
            now[0] += 100;
            limiter.acquire("mx.fast").result().release(true);
        }
        Future<SiteLimiter.Slot> busy = limiter.acquire("mx.fast");
        List<Future<SiteLimiter.Slot>> queued = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            queued.add(limiter.acquire("mx.fast"));
        }
        assertTrue(queued.stream().noneMatch(Future::failed), "100 waiting clear in 10 s at its pace: past the limit of 2");
        for (int i = 0; i < 300; i++) {
            queued.add(limiter.acquire("mx.fast"));
        }
        assertTrue(queued.stream().anyMatch(Future::failed), "400 would take 40 s: held to the limit");
        limiter.acquire("mx.slow");
        limiter.acquire("mx.slow");
        limiter.acquire("mx.slow");
        assertFalse(limiter.acquire("mx.slow").isComplete(), "too new to judge: it may wait");
        now[0] += 11_000;
        assertTrue(limiter.acquire("mx.slow").failed(), "stuck since: held to its 2 waiting");
        busy.result().release(true);
    }

    @Test
    void aBurstThatCameWhileTheSiteLookedHealthyIsTrimmedOnceItSticks() {
        long[] now = {0};
        SiteLimiter limiter = new SiteLimiter(1, 1, 100, 3, java.time.Duration.ZERO, () -> now[0],
                dev.mailpipe.relay.shaping.Shaping.NONE);
        List<Future<SiteLimiter.Slot>> all = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            all.add(limiter.acquire("mx.tarpit"));
        }
        assertTrue(all.stream().noneMatch(Future::failed), "a new site: the burst waits");
        limiter.tick();
        assertTrue(all.stream().noneMatch(Future::failed), "not stuck yet");
        now[0] += 11_000;
        limiter.tick();
        assertEquals(46, all.stream().filter(Future::failed).count(), "one under way, three waiting, the newest 46 let go");
        assertTrue(all.subList(1, 4).stream().noneMatch(Future::isComplete), "the oldest waiters keep their places");
        assertEquals("4.4.5", ((SiteLimiter.Unavailable) all.get(49).cause()).status());
    }

    /** How many of ten transfers to {@code site} start at once; all of them are then let go. */
    private static int startedAtOnce(SiteLimiter limiter, String site, boolean answered) {
        List<Future<SiteLimiter.Slot>> all = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            all.add(limiter.acquire(site));
        }
        int started = (int) all.stream().filter(Future::succeeded).count();
        // A release lets the next waiter in at once, on this thread.
        for (Future<SiteLimiter.Slot> f : all) {
            f.result().release(answered);
        }
        return started;
    }
}
