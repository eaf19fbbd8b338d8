package dev.mailpipe.relay;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * Caps transfers in progress per destination site and overall. A site is the set of MX hosts a
 * route names, so that domains hosted on the same servers share one limit (as Postfix's queue
 * manager does per next hop). Waiters are served in arrival order.
 *
 * <p>Each site's limit is a window that adapts as Postfix's does: it starts at {@code initial},
 * grows by 1/window for every delivery the site answered (so by about one per window's worth of
 * successes) up to {@code max}, and shrinks by 1/window, never below one, for every delivery it did
 * not take (connection failures, timeouts, 4xx). A site that struggles gets fewer connections from
 * here instead of more; a healthy one soon gets its full share.
 *
 * <p>Waiters queue per site, and the sites with waiters take turns in the order their first
 * waiter came: a finished transfer looks at those sites, not at every waiter. (One queue of all
 * waiters was scanned whole at every start and end, and a backlog of a thousand deliveries to one
 * full site made each of them cost a thousand steps.)
 *
 * <p>No site holds up the others for long, whatever it does: at most {@code maxWaiting} deliveries
 * wait for one site (the next is refused at once), a waiter can be given up ({@link #abandon}, the
 * caller's deadline), and a site that did not answer a whole window's worth of deliveries in a row
 * is dead for {@code deadFor} (Postfix's dead destination): its waiters are let go and new ones
 * refused at once; the first after that is the probe. Each refusal is an {@link Unavailable}, which
 * the caller turns into a deferral, so the mail goes back to the retry tiers, not into memory.
 */
final class SiteLimiter {
    private static final Logger LOG = Logger.getLogger(SiteLimiter.class);
    /** Sites remembered with no transfer in progress; the least recently used are forgotten past this. */
    private static final int REMEMBERED_SITES = 10_000;

    private final double initial;
    private final double max;
    private final int total;
    private final int maxWaiting;
    private final long deadForMillis;
    private final LongSupplier clock;
    private final Map<String, Site> sites = new HashMap<>();
    /** Idle sites, least recently used first, so that a site's learned window outlives a pause. */
    private final LinkedHashMap<String, Site> idle = new LinkedHashMap<>(16, 0.75f, true);
    /** Sites with waiters, in the order their first waiter came, each with its waiters in order. */
    private final LinkedHashMap<String, Deque<Waiter>> waiting = new LinkedHashMap<>();
    private int running;

    /** How a transfer went, as far as its site's window and health are concerned. */
    enum Feedback {
        /** A server took the delivery or refused it for good: the site works. */
        ANSWERED,
        /** A server answered, but deferred (4xx): the window shrinks, the site is alive. */
        DEFERRED,
        /** No server of the site gave an answer (refused, silent, timed out): the window shrinks, and enough in a row make the site dead. */
        UNREACHABLE
    }

    /** One transfer's hold on its site's window; {@link #release} says how the site did. */
    interface Slot {
        void release(Feedback feedback);

        /** @param answered whether the site took the delivery (any real answer), else it deferred */
        default void release(boolean answered) {
            release(answered ? Feedback.ANSWERED : Feedback.DEFERRED);
        }
    }

    /** No slot for a delivery to this site now: its mail is deferred with {@link #status} and the message. */
    static final class Unavailable extends RuntimeException {
        private final String status;

        Unavailable(String status, String message) {
            super(message, null, false, false);
            this.status = status;
        }

        /** RFC 3463: 4.4.1 (no answer from the site), 4.4.5 (congestion: too much mail waits for it). */
        String status() {
            return status;
        }
    }

    private static final class Site {
        double window;
        int active;
        /** Deliveries in a row that no server of the site answered. */
        int unreachable;
        /** Until when (clock millis) the site is dead; 0 when it is not. */
        long deadUntil;

        Site(double window) {
            this.window = window;
        }
    }

    private record Waiter(String site, Promise<Slot> promise) {
    }

    /** Windows only: no site is ever refused or dead. */
    SiteLimiter(int initial, int max, int total) {
        this(initial, max, total, Integer.MAX_VALUE, java.time.Duration.ZERO, System::currentTimeMillis);
    }

    /**
     * @param maxWaiting deliveries that may wait for one site; the next is refused
     * @param deadFor how long a site that stopped answering gets no new connection (zero: never dead)
     */
    SiteLimiter(int initial, int max, int total, int maxWaiting, java.time.Duration deadFor, LongSupplier clock) {
        this.max = Math.max(1, max);
        this.initial = Math.max(1, Math.min(initial, max));
        this.total = total;
        this.maxWaiting = Math.max(1, maxWaiting);
        this.deadForMillis = deadFor.toMillis();
        this.clock = clock;
    }

    /**
     * Completes with the slot once {@code site}'s window and the overall limit allow one more
     * transfer; fails with {@link Unavailable} at once while the site is dead or too much waits for it.
     */
    Future<Slot> acquire(String site) {
        Promise<Slot> p = Promise.promise();
        List<Waiter> admitted;
        synchronized (this) {
            Site known = sites.containsKey(site) ? sites.get(site) : idle.get(site);
            long now = clock.getAsLong();
            if (known != null && known.deadUntil > now) {
                return Future.failedFuture(new Unavailable("4.4.1", "site " + site + " did not answer " + known.unreachable
                        + " deliveries in a row; no new connection to it for " + (known.deadUntil - now + 999) / 1000 + " s"));
            }
            Deque<Waiter> queue = waiting.computeIfAbsent(site, k -> new ArrayDeque<>());
            if (queue.size() >= maxWaiting) {
                return Future.failedFuture(new Unavailable("4.4.5", queue.size() + " deliveries already wait for site " + site));
            }
            queue.addLast(new Waiter(site, p));
            admitted = admit();
        }
        start(admitted);
        return p.future();
    }

    /**
     * Gives up {@code slot} if it still waits for {@code site} (its caller's deadline passed): it
     * fails with {@link Unavailable} 4.4.5 saying {@code why}. Nothing happens to one already started.
     */
    void abandon(String site, Future<Slot> slot, String why) {
        Waiter gone = null;
        synchronized (this) {
            Deque<Waiter> queue = waiting.get(site);
            if (queue != null) {
                for (Iterator<Waiter> it = queue.iterator(); it.hasNext();) {
                    Waiter w = it.next();
                    if (w.promise().future() == slot) {
                        it.remove();
                        gone = w;
                        break;
                    }
                }
                if (queue.isEmpty()) {
                    waiting.remove(site);
                }
            }
        }
        if (gone != null) {
            gone.promise().tryFail(new Unavailable("4.4.5", why));
        }
    }

    /**
     * The waiters that may start now: one from each site with room in turn while the overall
     * limit allows, and a site served goes to the back of the turn (as Postfix's queue manager
     * round-robins its destinations); the caller starts them after leaving the lock.
     */
    private List<Waiter> admit() {
        List<Waiter> admitted = new ArrayList<>();
        while (running < total && !waiting.isEmpty()) {
            List<Map.Entry<String, Deque<Waiter>>> served = new ArrayList<>();
            Iterator<Map.Entry<String, Deque<Waiter>>> it = waiting.entrySet().iterator();
            while (it.hasNext() && running < total) {
                Map.Entry<String, Deque<Waiter>> e = it.next();
                Site s = site(e.getKey());
                if (s.active >= (int) s.window) {
                    continue;
                }
                admitted.add(e.getValue().pollFirst());
                s.active++;
                running++;
                it.remove();
                if (!e.getValue().isEmpty()) {
                    served.add(e);
                }
            }
            served.forEach(e -> waiting.put(e.getKey(), e.getValue()));
            if (served.isEmpty()) {
                break; // every site left is at its window, or none is left
            }
        }
        return admitted;
    }

    /**
     * Outside the lock: a transfer that starts runs on this thread into connections and pools, and
     * one that ends comes back here; holding the lock meanwhile deadlocked two threads.
     */
    private void start(List<Waiter> admitted) {
        for (Waiter w : admitted) {
            w.promise().complete(feedback -> release(w.site(), feedback));
        }
    }

    private Site site(String name) {
        Site s = sites.get(name);
        if (s == null) {
            s = idle.remove(name);
            if (s == null) {
                s = new Site(initial);
            }
            sites.put(name, s);
        }
        return s;
    }

    private void release(String name, Feedback feedback) {
        List<Waiter> admitted;
        Deque<Waiter> letGo = null;
        String dead = null;
        synchronized (this) {
            if (finished(name, feedback)) {
                dead = "site " + name + " did not answer a whole window of deliveries in a row; no new connection to it for "
                        + deadForMillis / 1000 + " s";
                letGo = waiting.remove(name);
            }
            admitted = admit();
        }
        if (dead != null) {
            LOG.warnf("%s; the %d deliveries waiting for it are deferred", dead, letGo == null ? 0 : letGo.size());
            if (letGo != null) {
                for (Waiter w : letGo) {
                    w.promise().tryFail(new Unavailable("4.4.1", dead));
                }
            }
        }
        start(admitted);
    }

    /** Counts the transfer done and learns from it; true when that made the site dead. */
    private boolean finished(String name, Feedback feedback) {
        Site s = sites.get(name);
        s.active--;
        running--;
        double step = 1 / s.window;
        // A whole window's worth in a row without an answer, as Postfix's failed cohort: dead.
        int cohort = Math.max(1, (int) s.window);
        s.window = feedback == Feedback.ANSWERED ? Math.min(max, s.window + step) : Math.max(1, s.window - step);
        boolean died = false;
        long now = clock.getAsLong();
        if (feedback == Feedback.UNREACHABLE) {
            s.unreachable++;
            if (deadForMillis > 0 && s.unreachable >= cohort && s.deadUntil <= now) {
                s.deadUntil = now + deadForMillis;
                died = true;
            }
        } else {
            s.unreachable = 0;
            s.deadUntil = 0;
        }
        if (s.active == 0) {
            sites.remove(name);
            idle.put(name, s);
            if (idle.size() > REMEMBERED_SITES) {
                idle.remove(idle.keySet().iterator().next());
            }
        }
        return died;
    }

    synchronized int running(String site) {
        Site s = sites.get(site);
        return s == null ? 0 : s.active;
    }

    /** Sites dead now: no new connection to them until their time is up. */
    synchronized int deadSites() {
        long now = clock.getAsLong();
        int n = 0;
        for (Site s : sites.values()) {
            n += s.deadUntil > now ? 1 : 0;
        }
        for (Site s : idle.values()) {
            n += s.deadUntil > now ? 1 : 0;
        }
        return n;
    }

    /** The current window of every site with a transfer in progress or a remembered window. */
    synchronized Map<String, Double> windows() {
        Map<String, Double> out = new HashMap<>();
        idle.forEach((k, v) -> out.put(k, v.window));
        sites.forEach((k, v) -> out.put(k, v.window));
        return out;
    }
}
