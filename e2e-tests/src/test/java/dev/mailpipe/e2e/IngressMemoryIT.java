package dev.mailpipe.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One client address cannot take the ingress down (the launcher's JVM: a 256 MiB heap): 45 sessions
 * from 127.0.0.1 each send a 24 MiB message and hold it before the final dot; a client from
 * another address is greeted and served meanwhile; the held messages are each queued or refused
 * with {@code 452 4.3.1}, and the ingress neither runs out of memory nor restarts.
 */
@ExtendWith(SharedPipeline.class)
@Tag("fault")
class IngressMemoryIT {
    private static final int SESSIONS = 45;
    private static final int MESSAGE = 24 * 1024 * 1024;

    @Test
    void fortyFiveHeldMessagesOfOneClientLeaveRoomForOthers() throws Exception {
        Pipeline p = SharedPipeline.get().pipeline;
        p.createMailbox("mona@example.test");
        int restartsBefore = p.restarts("smtp-ingress");
        ExecutorService pool = Executors.newFixedThreadPool(SESSIONS);
        List<Session> held = new ArrayList<>();
        try {
            List<Future<Session>> opening = new ArrayList<>();
            for (int i = 0; i < SESSIONS; i++) {
                int n = i;
                opening.add(pool.submit(() -> {
                    Session s = new Session("127.0.0.1", p.smtpPort);
                    s.expect("EHLO holder.test", "250 ");
                    s.expect("MAIL FROM:<holder@y.test>", "250 ");
                    s.expect("RCPT TO:<mona@example.test>", "250 ");
                    s.expect("DATA", "354 ");
                    s.send("Subject: held " + n + "\r\n\r\n");
                    byte[] lines = ("y".repeat(996) + "\r\n").repeat(64).getBytes(StandardCharsets.US_ASCII);
                    for (int sent = 0; sent < MESSAGE; sent += lines.length) {
                        s.out.write(lines);
                    }
                    s.out.flush();
                    return s;
                }));
            }
            for (Future<Session> f : opening) {
                held.add(f.get());
            }
            try (Session other = new Session("127.0.0.2", p.smtpPort)) {
                other.expect("EHLO other.test", "250 ");
                other.expect("MAIL FROM:<other@y.test>", "250 ");
                other.expect("RCPT TO:<mona@example.test>", "250 ");
                other.expect("DATA", "354 ");
                assertTrue(other.expect("Subject: meanwhile\r\n\r\nhello\r\n.", "250 ").startsWith("250 2.0.0"),
                        "another client is served while the first holds 45 messages");
            }
            Map<String, Integer> replies = new TreeMap<>();
            for (Session s : held) {
                String reply = s.expect(".", "");
                replies.merge(reply.substring(0, 9), 1, Integer::sum);
                assertTrue(reply.startsWith("250 2.0.0") || reply.equals("452 4.3.1 Error: insufficient system storage, try again later"),
                        reply);
            }
            assertEquals(SESSIONS, replies.values().stream().mapToInt(Integer::intValue).sum(), replies.toString());
        } finally {
            for (Session s : held) {
                s.close();
            }
            pool.shutdownNow();
        }
        assertFalse(p.log("smtp-ingress").contains("OutOfMemoryError"), "no OutOfMemoryError in the ingress's log");
        assertEquals(restartsBefore, p.restarts("smtp-ingress"), "the ingress lived through it");
    }

    /** A raw SMTP session from a given loopback address. */
    private static final class Session implements AutoCloseable {
        private final Socket socket = new Socket();
        private final BufferedReader in;
        final OutputStream out;

        Session(String from, int port) throws Exception {
            socket.bind(new InetSocketAddress(from, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", port), 15_000);
            socket.setSoTimeout(60_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            out = socket.getOutputStream();
            String greeting = in.readLine();
            if (greeting == null || !greeting.startsWith("220 ")) {
                throw new IllegalStateException("no greeting: " + greeting);
            }
        }

        void send(String text) throws Exception {
            out.write(text.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        /** Sends a line and returns the last line of the reply, which must start with {@code prefix}. */
        String expect(String line, String prefix) throws Exception {
            send(line + "\r\n");
            String reply;
            do {
                reply = in.readLine();
            } while (reply != null && reply.length() > 3 && reply.charAt(3) == '-');
            if (reply == null || !reply.startsWith(prefix)) {
                throw new IllegalStateException(line + " answered " + reply);
            }
            return reply;
        }

        @Override
        public void close() throws Exception {
            socket.close();
        }
    }
}
