package dev.mailpipe.relay;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.Route;
import dev.mailpipe.peers.ChildProcess;
import dev.mailpipe.peers.Loopback;
import dev.mailpipe.relay.smtp.Outcome;
import dev.mailpipe.relay.smtp.OutgoingMessage;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Thousands of deliveries at once from many threads, as the relay's worker pool makes them, over
 * pooled connections to Postfix's smtp-sink, with site windows full and waiters queued: all of them
 * end. Completing a waiter while holding a lock once deadlocked the event loops against the workers.
 */
@Tag("unit")
class ManyDeliveriesAtOnceTest {
    private static final String SINK = "127.0.0.44";
    private static final int THREADS = 32;
    private static final int EACH = 60;

    @TempDir
    Path tmp;

    @Test
    void everyDeliveryEndsAndIsSent() throws Exception {
        int port = Loopback.freePort(SINK);
        Vertx vertx = Vertx.vertx();
        ExecutorService workers = Executors.newFixedThreadPool(THREADS);
        try (ChildProcess sink = ChildProcess.start("smtp-sink", List.of("smtp-sink", "-u", "nobody", SINK + ":" + port, "100"),
                tmp, Map.of(), tmp.resolve("smtp-sink.log"))) {
            Loopback.awaitListening(SINK, port, Duration.ofSeconds(10));
            MxWalker walker = new MxWalker(vertx, new TestRelayConfig(port, FixedTimeouts.of(Duration.ofSeconds(10)), true));
            Route route = new Route("dest.test", List.of(new Route.MxHost("mx.dest.test", 10, List.of(SINK))), null);
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                done.add(workers.submit(() -> {
                    int sent = 0;
                    for (int i = 0; i < EACH; i++) {
                        Envelope e = Envelope.received("m" + thread + "-" + i, Instant.now(),
                                new Envelope.Client("127.0.0.1", "c.test", false, null), "s@client.test",
                                List.of(Recipient.of("a@dest.test")), 30).withRoute(route);
                        List<Outcome> out = walker.deliver(e, OutgoingMessage.unsigned(e, "Subject: t\r\n\r\nx\r\n".getBytes())).toCompletionStage()
                                .toCompletableFuture().get(60, TimeUnit.SECONDS);
                        sent += out.get(0).kind() == Outcome.Kind.SENT ? 1 : 0;
                    }
                    return sent;
                }));
            }
            int sent = 0;
            for (Future<Integer> f : done) {
                sent += f.get(5, TimeUnit.MINUTES);
            }
            assertEquals(THREADS * EACH, sent);
        } finally {
            workers.shutdownNow();
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
