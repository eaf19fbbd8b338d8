package dev.mailpipe.bench;

import dev.mailpipe.peers.SmtpClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Accept-to-delivered latency under load, the same way for every system: one probe message at a
 * time to a mailbox of its own, every {@code interval}; the time from its 250 to its file in
 * {@code Maildir/new}. smtp-source gives no per-message times, so the probes sample the load's.
 */
final class LatencyProbe implements AutoCloseable {
    static final String MAILBOX = "probe@example.test";
    private final List<Long> millis = Collections.synchronizedList(new ArrayList<>());
    private final Thread thread;
    private volatile boolean stop;

    LatencyProbe(int port, Path mailRoot, long intervalMillis) {
        Path fresh = mailRoot.resolve("example.test/probe/Maildir/new");
        thread = new Thread(() -> {
            int n = 0;
            while (!stop) {
                try {
                    long before = MailSystem.files(fresh);
                    String reply = SmtpClient.send(port, "probe@client.test", MAILBOX,
                            "Subject: probe " + n++ + "\r\n\r\nprobe\r\n", 30_000);
                    long accepted = System.nanoTime();
                    if (reply.startsWith("250")) {
                        while (MailSystem.files(fresh) <= before && System.nanoTime() - accepted < 60_000_000_000L) {
                            Thread.sleep(1);
                        }
                        millis.add((System.nanoTime() - accepted) / 1_000_000);
                    }
                    Thread.sleep(intervalMillis);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // A failed probe is no sample; the load's own counts show refusals.
                }
            }
        }, "latency-probe");
        thread.setDaemon(true);
        thread.start();
    }

    List<Long> samples() {
        return List.copyOf(millis);
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.interrupt();
        thread.join(5000);
    }
}
