package dev.mailpipe.relay;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Caps transfers in progress per destination site and overall. A site is the set of MX hosts a
 * route names, so that domains hosted on the same servers share one limit (as Postfix's queue
 * manager does per next hop). Waiters are served in arrival order.
 */
final class SiteLimiter {
    private final int perSite;
    private final int total;
    private final Map<String, Integer> active = new HashMap<>();
    private final Deque<Waiter> waiting = new ArrayDeque<>();
    private int running;

    private record Waiter(String site, Promise<Runnable> promise) {
    }

    SiteLimiter(int perSite, int total) {
        this.perSite = perSite;
        this.total = total;
    }

    /** Completes with a release action once a slot for {@code site} is free. */
    synchronized Future<Runnable> acquire(String site) {
        Promise<Runnable> p = Promise.promise();
        waiting.addLast(new Waiter(site, p));
        dispatch();
        return p.future();
    }

    private void dispatch() {
        var it = waiting.iterator();
        while (it.hasNext() && running < total) {
            Waiter w = it.next();
            int n = active.getOrDefault(w.site(), 0);
            if (n < perSite) {
                it.remove();
                active.put(w.site(), n + 1);
                running++;
                w.promise().complete(() -> release(w.site()));
            }
        }
    }

    private synchronized void release(String site) {
        int n = active.getOrDefault(site, 1) - 1;
        if (n <= 0) {
            active.remove(site);
        } else {
            active.put(site, n);
        }
        running--;
        dispatch();
    }

    synchronized int running(String site) {
        return active.getOrDefault(site, 0);
    }
}
