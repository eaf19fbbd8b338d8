package dev.mailpipe.relay;

import dev.mailpipe.relay.smtp.RemoteSession;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Idle SMTP sessions by server address, so that the next message to the same server skips the
 * TCP, greeting, EHLO and TLS handshake. A session waits at most {@code idleTimeout}, then says QUIT.
 */
final class ConnectionPool {
    private final Vertx vertx;
    private final Duration idleTimeout;
    private final int maxMessages;
    private final Map<String, Deque<Idle>> idle = new HashMap<>();
    /** Idle sessions per destination site, for the site's limit of new connections. */
    private final Map<String, Integer> idleBySite = new HashMap<>();

    private record Idle(RemoteSession session, long timer, String site) {
    }

    ConnectionPool(Vertx vertx, Duration idleTimeout, int maxMessages) {
        this.vertx = vertx;
        this.idleTimeout = idleTimeout;
        this.maxMessages = maxMessages;
    }

    /** An idle session to this address, if any; the caller must RSET it before use. */
    synchronized RemoteSession take(String address) {
        Deque<Idle> q = idle.get(address);
        while (q != null && !q.isEmpty()) {
            Idle i = q.pollFirst();
            vertx.cancelTimer(i.timer());
            gone(i);
            if (i.session().reusable()) {
                return i.session();
            }
        }
        return null;
    }

    /** Whether an idle session to this address is waiting (it may still fail its RSET). */
    synchronized boolean hasIdle(String address) {
        Deque<Idle> q = idle.get(address);
        return q != null && !q.isEmpty();
    }

    /** After a transfer: keep the session for the next one, or end it. */
    void give(String address, RemoteSession session) {
        give(address, session, maxMessages, "");
    }

    /** The same, with the site's own messages per connection (the shaping file's), counted as an idle session of {@code site}. */
    void give(String address, RemoteSession session, int maxMessagesHere, String site) {
        if (!session.reusable() || session.transactions() >= Math.min(maxMessages, maxMessagesHere)) {
            session.quit();
            return;
        }
        synchronized (this) {
            Deque<Idle> q = idle.computeIfAbsent(address, a -> new ArrayDeque<>());
            long timer = vertx.setTimer(idleTimeout.toMillis(), t -> expire(address, session));
            q.addLast(new Idle(session, timer, site));
            idleBySite.merge(site, 1, Integer::sum);
        }
    }

    /** Idle sessions to the hosts of {@code site}. */
    synchronized int idleCount(String site) {
        return idleBySite.getOrDefault(site, 0);
    }

    private void gone(Idle i) {
        idleBySite.computeIfPresent(i.site(), (s, n) -> n > 1 ? n - 1 : null);
    }

    /** Ends an idle session; outside the lock, since closing a socket may run its handlers at once. */
    private void expire(String address, RemoteSession session) {
        boolean removed = false;
        synchronized (this) {
            Deque<Idle> q = idle.get(address);
            if (q != null) {
                for (var it = q.iterator(); it.hasNext();) {
                    Idle i = it.next();
                    if (i.session() == session) {
                        it.remove();
                        gone(i);
                        removed = true;
                        break;
                    }
                }
            }
        }
        if (removed) {
            session.quit();
        }
    }

    synchronized int idleCount() {
        return idle.values().stream().mapToInt(Deque::size).sum();
    }
}
