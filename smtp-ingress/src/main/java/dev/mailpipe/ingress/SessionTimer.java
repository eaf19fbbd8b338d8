package dev.mailpipe.ingress;

import io.vertx.core.Vertx;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One timer per session watches its deadlines, re-armed for whichever comes first. Runs on the
 * session's event loop; activity only stamps the time, so a busy session costs no timer work per
 * command.
 * <ul>
 * <li>A command must arrive whole within {@code command} of the previous one (RFC 5321 4.5.3.2.7):
 * octets of a line not yet ended do not count, so a client that dribbles a byte at a time (a
 * slowloris) gets no more time than a silent one.</li>
 * <li>Inside DATA or BDAT, as Postfix's {@code smtpd_min_data_rate}: the deadline is {@code data}
 * after the message began, plus a second for every {@code minDataRate} octets received.</li>
 * <li>The whole session ends at {@code session}, however busy.</li>
 * <li>Under stress (most of the connection limit in use) every wait above is cut to
 * {@code stress}: idle sessions make room first, as Postfix's stress mode does.</li>
 * </ul>
 * Nothing counts while the session waits on something else than its client (Kafka, a password
 * check, the sender checks).
 */
final class SessionTimer {
    /** The settings; durations in nanoseconds. */
    record Limits(long command, long data, long minDataRate, long session, long stress) {
        static Limits of(IngressConfig c) {
            return new Limits(c.idleTimeout().toNanos(), c.dataTimeout().toNanos(), c.minDataRate(),
                    c.sessionTimeout().toNanos(), c.stressTimeout().toNanos());
        }
    }

    private final Vertx vertx;
    private final Limits limits;
    private final BooleanSupplier waiting;
    private final BooleanSupplier stressed;
    private final Consumer<String> expired;
    private final long startedAt = System.nanoTime();
    private long lastCommand = startedAt;
    /** Set while a message's text is being read: when it began, and its octets so far. */
    private long dataStartedAt = -1;
    private long dataOctets;
    private long timer = -1;

    /**
     * @param waiting whether the session is waiting on something else than its client (no deadline runs then)
     * @param stressed whether the server is under stress (most of its connections in use)
     * @param expired told why, once, when a deadline is passed
     */
    SessionTimer(Vertx vertx, Limits limits, BooleanSupplier waiting, BooleanSupplier stressed, Consumer<String> expired) {
        this.vertx = vertx;
        this.limits = limits;
        this.waiting = waiting;
        this.stressed = stressed;
        this.expired = expired;
    }

    void start() {
        arm(System.nanoTime());
    }

    /** A whole command arrived (or a wait on something else ended): the next one's deadline starts now. */
    void commandArrived() {
        lastCommand = System.nanoTime();
        dataStartedAt = -1;
    }

    /** Message text arrived: {@code octets} more toward the minimum data rate. */
    void data(long octets) {
        if (dataStartedAt < 0) {
            dataStartedAt = System.nanoTime();
            dataOctets = 0;
        }
        dataOctets += octets;
    }

    void cancel() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    /** Why the session must end now, or null. */
    private String due(long now) {
        if (now - startedAt >= limits.session()) {
            return "session time limit exceeded";
        }
        if (waiting.getAsBoolean() || now < deadline(now)) {
            return null;
        }
        return dataStartedAt >= 0 ? "message data arriving too slowly" : "timeout exceeded";
    }

    /** When the client's time runs out, as things stand: the message's (rate included) or the next command's. */
    private long deadline(long now) {
        boolean stress = stressed.getAsBoolean();
        if (dataStartedAt >= 0) {
            long forOctets = limits.minDataRate() > 0 ? dataOctets * 1_000_000_000L / limits.minDataRate() : limits.session();
            return dataStartedAt + (stress ? limits.stress() : limits.data()) + forOctets;
        }
        return lastCommand + (stress ? Math.min(limits.command(), limits.stress()) : limits.command());
    }

    private void arm(long now) {
        // Until the nearest deadline, but checked at least every stress timeout: stress may begin
        // at any moment, and a wait on Kafka may end.
        long untilDeadline = waiting.getAsBoolean() ? limits.stress() : deadline(now) - now;
        long next = Math.min(untilDeadline, limits.session() - (now - startedAt));
        timer = vertx.setTimer(Math.max(1, Math.min(next, limits.stress()) / 1_000_000), t -> {
            long at = System.nanoTime();
            String why = due(at);
            if (why != null) {
                timer = -1;
                expired.accept(why);
            } else {
                arm(at);
            }
        });
    }
}
