package dev.mailpipe.ingress;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One timer per session watches both of its limits, re-armed for whichever comes first: silence
 * ({@code idle-timeout}, not counted while the session waits on Kafka) and the whole session's
 * length ({@code session-timeout}). Activity only stamps the time, so a busy session costs no timer
 * work per command. Runs on the session's event loop.
 */
final class SessionTimer {
    private final Vertx vertx;
    private final long idleLimit;
    private final long sessionLimit;
    private final BooleanSupplier waiting;
    private final Consumer<String> expired;
    private final long startedAt = System.nanoTime();
    private long lastActivity = startedAt;
    private long timer = -1;

    /**
     * @param waiting whether the session is waiting on something else than its client (no idle limit then)
     * @param expired told why, once, when a limit is reached
     */
    SessionTimer(Vertx vertx, Duration idle, Duration session, BooleanSupplier waiting, Consumer<String> expired) {
        this.vertx = vertx;
        this.idleLimit = idle.toNanos();
        this.sessionLimit = session.toNanos();
        this.waiting = waiting;
        this.expired = expired;
    }

    void start() {
        arm(Math.min(idleLimit, sessionLimit));
    }

    /** The client said something. */
    void activity() {
        lastActivity = System.nanoTime();
    }

    void cancel() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    private void arm(long nanos) {
        timer = vertx.setTimer(Math.max(1, nanos / 1_000_000), t -> {
            long now = System.nanoTime();
            long sessionLeft = sessionLimit - (now - startedAt);
            long quiet = now - lastActivity;
            boolean busy = waiting.getAsBoolean();
            if (sessionLeft <= 0) {
                timer = -1;
                expired.accept("session time limit exceeded");
            } else if (!busy && quiet >= idleLimit) {
                timer = -1;
                expired.accept("timeout exceeded");
            } else {
                arm(Math.min(sessionLeft, busy ? idleLimit : idleLimit - quiet));
            }
        });
    }
}
