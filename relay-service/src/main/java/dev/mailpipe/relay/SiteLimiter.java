package dev.mailpipe.relay;

import dev.mailpipe.relay.shaping.RateLimit;
import dev.mailpipe.relay.shaping.Shaping;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.ToIntFunction;
import org.jboss.logging.Logger;

/**
 * Caps transfers in progress per destination site and overall. A site is the set of MX hosts a
 * route names, so that domains hosted on the same servers share one limit (as Postfix's queue
 * manager does per next hop). Waiters are served in arrival order.
 *
 * <p>Each site's limit is a window that adapts as Postfix's does: it starts at {@code initial},
 * grows by 1/window for every delivery the site answered (so by about one per window's worth of
 * successes) up to {@code max} (or the shaping file's {@code connections} for the site), and
 * shrinks by 1/window, never below one, for every delivery it did not take (connection failures,
 * timeouts, 4xx). A site that struggles gets fewer connections from here instead of more; a
 * healthy one soon gets its full share. The shaping file may also cap its messages per minute and
 * hour, and a recipient domain's: a waiter whose site or domain has no token left waits for one.
 * Its new connections per minute count only transfers that find no idle session of the site to
 * reuse ({@code idleSessions}); one that finds its pooled session stale opens a new one regardless.
 *
 * <p>Waiters queue per site, and the sites with waiters take turns in the order their first
 * waiter came: a finished transfer looks at those sites, not at every waiter. (One queue of all
 * waiters was scanned whole at every start and end, and a backlog of a thousand deliveries to one
 * full site made each of them cost a thousand steps.) Rates refill with time, so {@link #tick}
 * looks again every so often.
 *
 * <p>No site holds up the others for long, whatever it does: at most {@code maxWaiting} deliveries
 * wait for one site (the next is refused at once, and a longer queue is trimmed, unless the site
 * takes its mail fast enough to be through its queue within half a minute), a waiter can be given up ({@link #abandon}, the
 * caller's deadline), and a site that did not answer a whole window's worth of deliveries in a row
 * is dead for {@code deadFor} (Postfix's dead destination), as is one suspended by its own word
 * ({@link #throttle}): its waiters are let go and new ones refused at once; the first after that is
 * the probe. Each refusal is an {@link Unavailable}, which the caller turns into a deferral, so the
 * mail goes back to the retry tiers, not into memory.
 */
final class SiteLimiter {
    private static final Logger LOG = Logger.getLogger(SiteLimiter.class);
    /** Sites remembered with no transfer in progress; the least recently used are forgotten past this. */
    private static final int REMEMBERED_SITES = 10_000;
    /**
     * Past {@code maxWaiting}, a site that takes its mail fast enough to be through the queue within
     * this (or too new to judge) may have more waiting: a burst to a healthy provider is sent, not
     * deferred; a site that takes nothing (or little) is held to the limit, and trimmed to it.
     */
    private static final long FAST_DRAIN_MILLIS = 30_000;
    /** How far down a site's queue a waiter whose own domain has a token is looked for. */
    private static final int DOMAIN_LOOKAHEAD = 16;

    private final double initial;
    private final double max;
    private final int total;
    private final int maxWaiting;
    private final long deadForMillis;
    private final LongSupplier clock;
    private final Shaping shaping;
    /** Idle pooled sessions to each site's hosts: a transfer that can reuse one needs no new connection. */
    private final ToIntFunction<String> idleSessions;
    private final Map<String, SiteState> sites = new HashMap<>();
    /** Idle sites, least recently used first, so that a site's learned window outlives a pause. */
    private final LinkedHashMap<String, SiteState> idle = new LinkedHashMap<>(16, 0.75f, true);
    /** Sites with waiters, in the order their first waiter came, each with its waiters in order. */
    private final LinkedHashMap<String, Deque<Waiter>> waiting = new LinkedHashMap<>();
    /** Recipient domains with a rate of their own in the shaping file. */
    private final Map<String, RateLimit> domainRates = new HashMap<>();
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

        /** RFC 3463: 4.4.1 (no answer from the site), 4.4.5 (congestion, or the site asked for less). */
        String status() {
            return status;
        }
    }

    /** @param notice mail from {@code <>} (a bounce or delay warning), under the shaping file's notices rate too */
    private record Waiter(String site, String domain, boolean notice, Promise<Slot> promise) {
    }

    /** Windows only: no site is ever refused, dead or shaped. */
    SiteLimiter(int initial, int max, int total) {
        this(initial, max, total, Integer.MAX_VALUE, Duration.ZERO, System::currentTimeMillis, Shaping.NONE, site -> 0);
    }

    /**
     * @param maxWaiting deliveries that may wait for one site; the next is refused
     * @param deadFor how long a site that stopped answering gets no new connection (zero: never dead)
     */
    SiteLimiter(int initial, int max, int total, int maxWaiting, Duration deadFor, LongSupplier clock, Shaping shaping) {
        this(initial, max, total, maxWaiting, deadFor, clock, shaping, site -> 0);
    }

    /** @param idleSessions idle pooled sessions to a site's hosts (a transfer that reuses one opens no connection) */
    SiteLimiter(int initial, int max, int total, int maxWaiting, Duration deadFor, LongSupplier clock, Shaping shaping,
            ToIntFunction<String> idleSessions) {
        this.max = Math.max(1, max);
        this.initial = Math.max(1, Math.min(initial, max));
        this.total = total;
        this.maxWaiting = Math.max(1, maxWaiting);
        this.deadForMillis = deadFor.toMillis();
        this.clock = clock;
        this.shaping = shaping;
        this.idleSessions = idleSessions;
    }

    Future<Slot> acquire(String site) {
        return acquire(site, null, false);
    }

    /**
     * Completes with the slot once {@code site}'s window, its rate and {@code domain}'s (and for a
     * {@code notice}, the site's notices rate), and the overall limit allow one more transfer; fails
     * with {@link Unavailable} at once while the site is out of use or too much waits for it.
     */
    Future<Slot> acquire(String site, String domain, boolean notice) {
        Promise<Slot> p = Promise.promise();
        List<Waiter> admitted;
        synchronized (this) {
            SiteState known = sites.containsKey(site) ? sites.get(site) : idle.get(site);
            long now = clock.getAsLong();
            if (known != null && known.outAt(now)) {
                return Future.failedFuture(new Unavailable(known.outStatus, known.outWhy + "; no new connection to it for "
                        + (known.outUntil - now + 999) / 1000 + " s"));
            }
            Deque<Waiter> queue = waiting.computeIfAbsent(site, k -> new ArrayDeque<>());
            if (queue.size() >= maxWaiting && !state(site).keepsPace(queue.size() + 1, now, FAST_DRAIN_MILLIS)) {
                return Future.failedFuture(new Unavailable("4.4.5", queue.size() + " deliveries already wait for site " + site));
            }
            queue.addLast(new Waiter(site, domain, notice, p));
            admitted = admit();
        }
        start(admitted);
        return p.future();
    }

    /**
     * Looks again at the waiting sites: rates refill with time, not with releases; and a site that
     * no longer keeps pace with more than {@code maxWaiting} waiters (a burst that came while it
     * looked healthy, then it stuck) is trimmed to the limit, the newest let go.
     */
    void tick() {
        List<Waiter> admitted;
        Map<String, List<Waiter>> trimmed = new HashMap<>();
        synchronized (this) {
            if (waiting.isEmpty()) {
                return;
            }
            long now = clock.getAsLong();
            for (Map.Entry<String, Deque<Waiter>> e : waiting.entrySet()) {
                Deque<Waiter> queue = e.getValue();
                if (queue.size() > maxWaiting && !state(e.getKey()).keepsPace(queue.size(), now, FAST_DRAIN_MILLIS)) {
                    List<Waiter> gone = new ArrayList<>();
                    while (queue.size() > maxWaiting) {
                        gone.add(queue.pollLast());
                    }
                    trimmed.put(e.getKey(), gone);
                }
            }
            admitted = admit();
        }
        trimmed.forEach((site, gone) -> {
            String why = gone.size() + " more deliveries than " + maxWaiting + " waited for site " + site + ", which does not keep pace";
            LOG.warnf("%s: deferred", why);
            gone.forEach(w -> w.promise().tryFail(new Unavailable("4.4.5", why)));
        });
        start(admitted);
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
     * The site said to slow down or stop ({@code reply}, matched by a throttle of the shaping file):
     * suspended, its waiters are let go and its mail deferred without a connection until the time is
     * up; slowed, its rate is lowered as long. True when this is new: the site was not already held
     * so (a throttle renewed by a reply that came on a connection opened before it is not news).
     */
    boolean throttle(String site, Shaping.Throttle throttle, String reply) {
        Deque<Waiter> letGo = null;
        String why;
        boolean fresh;
        synchronized (this) {
            SiteState s = state(site);
            long now = clock.getAsLong();
            long until = now + throttle.duration().toMillis();
            fresh = throttle.action() == Shaping.Throttle.Action.SUSPEND ? !s.suspendedAt(now) : s.factorAt(now) >= 1;
            if (throttle.action() == Shaping.Throttle.Action.SUSPEND) {
                why = "site " + site + " suspended after its reply: " + said(reply);
                s.outUntil = Math.max(s.outUntil, until);
                s.outWhy = why;
                s.outStatus = "4.4.5";
                letGo = waiting.remove(site);
            } else {
                why = "site " + site + " slowed to " + throttle.factor() + " of its rate after its reply: "
                        + said(reply);
                s.slowFactor = throttle.factor();
                s.slowUntil = Math.max(s.slowUntil, until);
            }
            parkIfIdle(site, s);
        }
        LOG.warnf("%s, for %d s", why, throttle.duration().toSeconds());
        failAll(letGo, "4.4.5", why);
        return fresh;
    }

    /** Whether {@code site} is suspended now by its own word (a throttle), not merely dead. */
    synchronized boolean suspendedByItsWord(String site) {
        SiteState s = sites.containsKey(site) ? sites.get(site) : idle.get(site);
        return s != null && s.suspendedAt(clock.getAsLong());
    }

    /** The operator lifted what the site asked for: its suspension and slow-down end now. */
    void lift(String site) {
        List<Waiter> admitted;
        synchronized (this) {
            SiteState s = sites.containsKey(site) ? sites.get(site) : idle.get(site);
            if (s == null) {
                return;
            }
            if (s.suspendedAt(clock.getAsLong())) {
                s.outUntil = 0;
            }
            s.slowUntil = 0;
            admitted = admit();
        }
        LOG.infof("site %s: what it asked for was lifted by the operator", site);
        start(admitted);
    }

    /**
     * Another replica was told by {@code site} to slow down (the shared entry of
     * {@code mail.destinations}): this one keeps the same pace until {@code untilMillis}, having
     * taken the site's partition since.
     */
    synchronized void slowAsShared(String site, double factor, long untilMillis) {
        SiteState s = state(site);
        if (s.slowUntil < untilMillis) {
            s.slowFactor = factor;
            s.slowUntil = untilMillis;
        }
        parkIfIdle(site, s);
    }

    /**
     * The site's reply as the deferrals, events and log quote it: one line, and short, since a reply
     * may run to a hundred lines of 2048 octets.
     */
    static String said(String reply) {
        String line = dev.mailpipe.model.PeerText.oneLine(reply);
        return line.length() <= MAX_QUOTED ? line : line.substring(0, MAX_QUOTED) + "...";
    }

    private static final int MAX_QUOTED = 300;

    private List<Waiter> admit() {
        List<Waiter> admitted = new ArrayList<>();
        long now = clock.getAsLong();
        // Idle sessions already promised to a transfer admitted in this round, per site.
        Map<String, Integer> promised = new HashMap<>();
        while (running < total && !waiting.isEmpty()) {
            List<Map.Entry<String, Deque<Waiter>>> served = new ArrayList<>();
            Iterator<Map.Entry<String, Deque<Waiter>>> it = waiting.entrySet().iterator();
            while (it.hasNext() && running < total) {
                Map.Entry<String, Deque<Waiter>> e = it.next();
                SiteState s = state(e.getKey());
                boolean reuses = s.connectionRate.limited()
                        && idleSessions.applyAsInt(e.getKey()) > promised.getOrDefault(e.getKey(), 0);
                if (!s.mayStart(now, reuses)) {
                    continue;
                }
                Waiter next = nextWithDomainToken(e.getValue(), now);
                if (next == null) {
                    continue;
                }
                admitted.add(next);
                if (reuses) {
                    promised.merge(e.getKey(), 1, Integer::sum);
                }
                s.started(now, reuses);
                running++;
                it.remove();
                if (!e.getValue().isEmpty()) {
                    served.add(e);
                }
            }
            served.forEach(e -> waiting.put(e.getKey(), e.getValue()));
            if (served.isEmpty()) {
                break; // every site left is at its window or rate, or none is left
            }
        }
        return admitted;
    }

    /**
     * The first of the first few waiters whose recipient domain has a token (or no rate of its
     * own), and, for a notice, whose site has a notices token; taken off the queue with its tokens.
     */
    private Waiter nextWithDomainToken(Deque<Waiter> queue, long now) {
        int looked = 0;
        for (Iterator<Waiter> it = queue.iterator(); it.hasNext() && looked < DOMAIN_LOOKAHEAD; looked++) {
            Waiter w = it.next();
            RateLimit rate = w.domain() == null ? null : domainRate(w.domain());
            RateLimit notices = w.notice() ? state(w.site()).noticeRate : null;
            if ((rate == null || rate.allows(now, 1)) && (notices == null || notices.allows(now, 1))) {
                if (rate != null) {
                    rate.tryTake(now, 1);
                }
                if (notices != null) {
                    notices.tryTake(now, 1);
                }
                it.remove();
                return w;
            }
        }
        return null;
    }



    private RateLimit domainRate(String domain) {
        return shaping.domain(domain).map(l -> domainRates.computeIfAbsent(domain, d -> l.rate())).orElse(null);
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

    private SiteState state(String name) {
        SiteState s = sites.get(name);
        if (s == null) {
            s = idle.remove(name);
            if (s == null) {
                Shaping.Limits limits = shaping.site(name);
                s = new SiteState(initial, limits.connections() == null ? max : limits.connections(), limits,
                        shaping.notices().map(Shaping.Limits::rate).orElse(null), clock.getAsLong());
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
                dead = "site " + name + " did not answer a whole window of deliveries in a row";
                SiteState s = sites.containsKey(name) ? sites.get(name) : idle.get(name);
                s.outWhy = dead;
                letGo = waiting.remove(name);
            }
            admitted = admit();
        }
        if (dead != null) {
            LOG.warnf("%s: no new connection to it for %d s; the %d deliveries waiting for it are deferred", dead, deadForMillis / 1000,
                    letGo == null ? 0 : letGo.size());
            failAll(letGo, "4.4.1", dead);
        }
        start(admitted);
    }

    private static void failAll(Deque<Waiter> waiters, String status, String why) {
        if (waiters != null) {
            for (Waiter w : waiters) {
                w.promise().tryFail(new Unavailable(status, why));
            }
        }
    }

    /** Counts the transfer done and learns from it; true when that made the site dead. */
    private boolean finished(String name, Feedback feedback) {
        SiteState s = sites.get(name);
        s.active--;
        running--;
        double step = 1 / s.window;
        // A whole window's worth in a row without an answer, as Postfix's failed cohort: dead.
        int cohort = Math.max(1, (int) s.window);
        s.window = feedback == Feedback.ANSWERED ? Math.min(s.maxWindow, s.window + step) : Math.max(1, s.window - step);
        boolean died = false;
        long now = clock.getAsLong();
        if (feedback == Feedback.ANSWERED) {
            s.took(now);
        }
        if (feedback == Feedback.UNREACHABLE) {
            s.unreachable++;
            if (deadForMillis > 0 && s.unreachable >= cohort && !s.outAt(now)) {
                s.outUntil = now + deadForMillis;
                s.outStatus = "4.4.1";
                died = true;
            }
        } else {
            s.unreachable = 0;
            if ("4.4.1".equals(s.outStatus)) {
                s.outUntil = 0; // it answered: alive (a suspension by its own word still runs its course)
            }
        }
        parkIfIdle(name, s);
        return died;
    }

    /** A site with nothing under way is kept among the idle, so its window and state outlive a pause. */
    private void parkIfIdle(String name, SiteState s) {
        if (s.active == 0 && sites.remove(name) != null) {
            idle.put(name, s);
            if (idle.size() > REMEMBERED_SITES) {
                idle.remove(idle.keySet().iterator().next());
            }
        }
    }

    synchronized int running(String site) {
        SiteState s = sites.get(site);
        return s == null ? 0 : s.active;
    }

    /** Sites out of use now (dead, or suspended by their own word): no new connection to them until their time is up. */
    synchronized int deadSites() {
        long now = clock.getAsLong();
        int n = 0;
        for (SiteState s : sites.values()) {
            n += s.outAt(now) ? 1 : 0;
        }
        for (SiteState s : idle.values()) {
            n += s.outAt(now) ? 1 : 0;
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
