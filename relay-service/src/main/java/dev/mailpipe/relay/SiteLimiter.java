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
 */
final class SiteLimiter {
    /** Sites remembered with no transfer in progress; the least recently used are forgotten past this. */
    private static final int REMEMBERED_SITES = 10_000;

    private final double initial;
    private final double max;
    private final int total;
    private final Map<String, Site> sites = new HashMap<>();
    /** Idle sites, least recently used first, so that a site's learned window outlives a pause. */
    private final LinkedHashMap<String, Site> idle = new LinkedHashMap<>(16, 0.75f, true);
    /** Sites with waiters, in the order their first waiter came, each with its waiters in order. */
    private final LinkedHashMap<String, Deque<Waiter>> waiting = new LinkedHashMap<>();
    private int running;

    /** One transfer's hold on its site's window; {@link #release} says how the site did. */
    interface Slot {
        /** @param answered whether the site took the delivery (any real answer), else it failed or deferred */
        void release(boolean answered);
    }

    private static final class Site {
        double window;
        int active;

        Site(double window) {
            this.window = window;
        }
    }

    private record Waiter(String site, Promise<Slot> promise) {
    }

    SiteLimiter(int initial, int max, int total) {
        this.max = Math.max(1, max);
        this.initial = Math.max(1, Math.min(initial, max));
        this.total = total;
    }

    /** Completes with the slot once {@code site}'s window and the overall limit allow one more transfer. */
    Future<Slot> acquire(String site) {
        Promise<Slot> p = Promise.promise();
        List<Waiter> admitted;
        synchronized (this) {
            waiting.computeIfAbsent(site, k -> new ArrayDeque<>()).addLast(new Waiter(site, p));
            admitted = admit();
        }
        start(admitted);
        return p.future();
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
            w.promise().complete(answered -> release(w.site(), answered));
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

    private void release(String name, boolean answered) {
        List<Waiter> admitted;
        synchronized (this) {
            finished(name, answered);
            admitted = admit();
        }
        start(admitted);
    }

    private void finished(String name, boolean answered) {
        Site s = sites.get(name);
        s.active--;
        running--;
        double step = 1 / s.window;
        s.window = answered ? Math.min(max, s.window + step) : Math.max(1, s.window - step);
        if (s.active == 0) {
            sites.remove(name);
            idle.put(name, s);
            if (idle.size() > REMEMBERED_SITES) {
                idle.remove(idle.keySet().iterator().next());
            }
        }
    }

    synchronized int running(String site) {
        Site s = sites.get(site);
        return s == null ? 0 : s.active;
    }

    /** The current window of every site with a transfer in progress or a remembered window. */
    synchronized Map<String, Double> windows() {
        Map<String, Double> out = new HashMap<>();
        idle.forEach((k, v) -> out.put(k, v.window));
        sites.forEach((k, v) -> out.put(k, v.window));
        return out;
    }
}
