package dev.mailpipe.runtime;

import io.smallrye.common.annotation.Identifier;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;

/**
 * A stage's one loop over plain Kafka clients, on a thread of its own, until shutdown. A failure
 * (the broker gone, a fenced transaction, a send refused) ends {@link #consumeUntilStopped}, which
 * closes its clients; after a pause that doubles while failures repeat (1 s up to 30 s, afresh
 * after a calm minute) it is called again, and reads on from the committed offsets.
 */
public abstract class StageLoop {
    private static final Backoff BACKOFF = new Backoff(0, Duration.ofSeconds(1), Duration.ofSeconds(30));
    private static final long CALM_NANOS = Duration.ofMinutes(1).toNanos();

    /** The shared Kafka settings ({@code kafka.*}) the loop's clients start from. */
    @Inject
    @Identifier("default-kafka-broker")
    protected Map<String, Object> kafka;

    private volatile boolean running = true;
    private volatile boolean consuming;
    /** When the loop last went round (a poll), or began a pause after a failure. */
    private volatile long lastProgress = System.nanoTime();
    private volatile boolean ended;
    private volatile KafkaConsumer<?, ?> consumer;
    private Thread thread;

    /**
     * Opens the clients, hands the consumer to {@link #consuming(KafkaConsumer)}, and polls while
     * {@link #running()}; closes the clients when it returns or throws.
     */
    protected abstract void consumeUntilStopped();

    /** What to log and count when the loop failed and waits {@code pause} before it opens its clients again. */
    protected abstract void failed(RuntimeException failure, Duration pause);

    /** Called on the loop's thread once it has ended for good (shutdown, or interrupted). */
    protected void ended() {
    }

    protected boolean running() {
        return running;
    }

    /** The loop's consumer is open and polling; {@link #stop} wakes it. */
    protected void consuming(KafkaConsumer<?, ?> c) {
        consumer = c;
        consuming = true;
    }

    /**
     * Polls {@code consumer}, noting that the loop goes round: every stage loop polls through here,
     * so that liveness can tell a loop that works from one that is stuck.
     */
    protected <K, V> ConsumerRecords<K, V> poll(org.apache.kafka.clients.consumer.Consumer<K, V> consumer, Duration timeout) {
        lastProgress = System.nanoTime();
        return consumer.poll(timeout);
    }

    /**
     * What liveness reports: the loop has not ended, and it went round within {@code within} (or is
     * pausing after a failure, which readiness reports). A loop stuck in one batch, or ended by an
     * Error the process somehow outlived, makes the process not alive, and Kubernetes restarts it.
     */
    public boolean alive(Duration within) {
        return !ended && System.nanoTime() - lastProgress < within.toNanos();
    }

    /** Whether the clients are open and the loop is not pausing after a failure: what readiness reports. */
    public boolean consuming() {
        return consuming;
    }

    /** The loop's name: its thread's. */
    public String name() {
        return thread == null ? getClass().getSimpleName() : thread.getName();
    }

    public void start(String threadName) {
        thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    public void stop() throws InterruptedException {
        running = false;
        KafkaConsumer<?, ?> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            thread.join(10_000);
        }
    }

    private void run() {
        try {
            loop();
        } catch (Error e) {
            consuming = false;
            died(e);
        } finally {
            consuming = false;
            ended = running; // a loop that ends while the service runs is dead; at shutdown it is not
            ended();
        }
    }

    /**
     * An {@link Error} (out of memory, a class that would not load, a stack overflow) is no failure
     * to wait out: the JVM may be in no state to go on, and a process left running without its loop
     * serves nobody while the supervisor or Kubernetes sees it alive. It ends the process (status
     * 70, EX_SOFTWARE), from another thread, since the shutdown joins this one.
     */
    protected void died(Error e) {
        System.err.println("FATAL: " + Thread.currentThread().getName() + " ended on " + e + "; exiting");
        e.printStackTrace();
        Thread exit = new Thread(() -> System.exit(70), "exit-after-" + Thread.currentThread().getName());
        exit.start();
    }

    private void loop() {
        int failuresInARow = 0;
        long lastFailure = System.nanoTime();
        while (running) {
            try {
                consumeUntilStopped();
                return;
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                consuming = false;
                consumer = null;
                if (!running) {
                    return;
                }
                failuresInARow = System.nanoTime() - lastFailure > CALM_NANOS ? 1 : failuresInARow + 1;
                lastFailure = System.nanoTime();
                Duration pause = BACKOFF.after(failuresInARow);
                failed(e, pause);
                lastProgress = System.nanoTime() + pause.toNanos(); // a pause is no hang
                if (!sleep(pause)) {
                    return;
                }
            }
        }
    }

    private boolean sleep(Duration pause) {
        try {
            for (long slept = 0; slept < pause.toMillis() && running; slept += 100) {
                Thread.sleep(100); // in slices, so that a shutdown does not wait for it
            }
            return running;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
