package dev.mailpipe.e2e;

import dev.mailpipe.peers.SmtpClient;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * A steady stream of mail into the ingress, one SMTP session per message, as many MTAs deliver:
 * message {@code i} starts at {@code i / rate} seconds, whatever happened to the ones before (a slow
 * answer does not slow the stream). Each message's outcome is kept: the reply to its end of data,
 * or why the session failed. Subjects carry {@code <tag>-<i>} so the receiving end can count them.
 */
final class SmtpLoad implements AutoCloseable {
    private final int port;
    private final String tag;
    private final IntFunction<String> recipient;
    private final ExecutorService senders = Executors.newFixedThreadPool(32);
    /** Message number to the final reply ("250 ..."), or "error: ..." when the session broke. */
    final Map<Integer, String> outcomes = new ConcurrentHashMap<>();
    /** Message number to the time its 250 arrived (System.nanoTime). */
    final Map<Integer, Long> acceptedAt = new ConcurrentHashMap<>();

    SmtpLoad(int port, String tag, IntFunction<String> recipient) {
        this.port = port;
        this.tag = tag;
        this.recipient = recipient;
    }

    String subject(int i) {
        return tag + "-" + i;
    }

    /** Sends {@code count} messages at {@code rate} per second; returns once the last one has started. */
    void run(int count, double rate) throws InterruptedException {
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long due = start + (long) (i * 1e9 / rate);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            int n = i;
            senders.execute(() -> outcomes.put(n, send(n)));
        }
    }

    /** Waits until every session has ended. */
    void awaitAll() throws InterruptedException {
        senders.shutdown();
        if (!senders.awaitTermination(5, TimeUnit.MINUTES)) {
            throw new IllegalStateException("SMTP sessions still open after 5 minutes");
        }
    }

    boolean accepted(int i) {
        return outcomes.getOrDefault(i, "").startsWith("250");
    }

    private String send(int i) {
        try {
            // Past the ingress's publish timeout (10 s), so a broker outage is answered with 451.
            String reply = SmtpClient.send(port, "load@client.test", recipient.apply(i), "From: load@client.test\r\nTo: <"
                    + recipient.apply(i) + ">\r\nSubject: " + subject(i) + "\r\n\r\nmessage " + i + " of a steady stream\r\n", 30_000);
            if (reply.startsWith("250")) {
                acceptedAt.put(i, System.nanoTime());
            }
            return reply;
        } catch (IOException e) {
            return "error: " + e.getMessage();
        }
    }

    @Override
    public void close() {
        senders.shutdownNow();
    }
}
