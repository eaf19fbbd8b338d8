package dev.mailpipe.bench;

import dev.mailpipe.peers.SmtpClient;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Mail at a fixed rate, for the latency below saturation: message {@code i} starts at
 * {@code i / rate} seconds, one SMTP session each, whatever the answers before it took, with the
 * recipients taken in turn. smtp-source sends as fast as it can, so it cannot show this.
 */
final class PacedLoad {
    private PacedLoad() {
    }

    /** Sends {@code n} messages of about {@code size} octets; returns how many got 250. */
    static int send(int port, List<String> recipients, int n, double rate, int size) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(64);
        AtomicInteger accepted = new AtomicInteger();
        String body = "x".repeat(76) + "\r\n";
        String text = "From: bench@client.test\r\nSubject: paced\r\n\r\n" + body.repeat(Math.max(1, size / body.length()));
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long wait = start + (long) (i * 1e9 / rate) - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            String to = recipients.get(i % recipients.size());
            pool.execute(() -> {
                try {
                    if (SmtpClient.send(port, "bench@client.test", to, text, 30_000).startsWith("250")) {
                        accepted.incrementAndGet();
                    }
                } catch (Exception e) {
                    // Counted as not accepted.
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(5, TimeUnit.MINUTES);
        return accepted.get();
    }
}
