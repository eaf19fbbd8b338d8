package dev.mailpipe.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A graceful stop of the ingress (SIGTERM, as Kubernetes sends after preStop): an idle session hears
 * {@code 421 4.3.2} at once, a message in the middle of DATA is finished, acknowledged with 250 once
 * Kafka has it and delivered, and only its next command gets 421. The supervisor then starts the
 * ingress again.
 */
@ExtendWith(SharedPipeline.class)
@Tag("fault")
class IngressDrainIT {

    @Test
    void aStopFinishesTheMessageUnderWayAndClosesIdleSessionsWith421() throws Exception {
        Pipeline p = SharedPipeline.get().pipeline;
        p.createMailbox("drew@example.test");
        int restartsBefore = p.restarts("smtp-ingress");
        try (Session busy = new Session(p.smtpPort); Session idle = new Session(p.smtpPort)) {
            busy.expect("EHLO busy.test", "250 ");
            busy.expect("MAIL FROM:<ops@y.test>", "250 ");
            busy.expect("RCPT TO:<drew@example.test>", "250 ");
            busy.expect("DATA", "354 ");
            busy.send("Subject: finished across a stop\r\n\r\nfirst half\r\n");
            idle.expect("EHLO idle.test", "250 ");

            p.stop("smtp-ingress");
            assertTrue(idle.line().startsWith("421 4.3.2"), "an idle session is told at once");
            Thread.sleep(500);
            busy.send("second half\r\n");
            assertTrue(busy.expect(".", "250 2.0.0").contains("queued as"), "the message under way is accepted");
            assertTrue(busy.expect("NOOP", "421 4.3.2").contains("shutting down"));
        }
        Path fresh = p.maildir("example.test", "drew").resolve("new");
        await().atMost(Duration.ofSeconds(60)).until(() -> Pipeline.fileCount(fresh) == 1);
        String delivered;
        try (Stream<Path> s = Files.list(fresh)) {
            delivered = Files.readString(s.findFirst().orElseThrow());
        }
        assertTrue(delivered.contains("first half\r\nsecond half\r\n"), delivered);
        // Back in service: the supervisor restarted it.
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            try (Session again = new Session(p.smtpPort)) {
                return again.expect("QUIT", "221 ").startsWith("221");
            }
        });
        assertEquals(restartsBefore + 1, p.restarts("smtp-ingress"));
    }


    /** A raw SMTP session: the test decides when each line goes out. */
    private static final class Session implements AutoCloseable {
        private final Socket socket;
        private final BufferedReader in;
        private final OutputStream out;

        Session(int port) throws Exception {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(20_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            out = socket.getOutputStream();
            String greeting = line();
            if (!greeting.startsWith("220")) {
                throw new IllegalStateException("greeting: " + greeting);
            }
        }

        void send(String text) throws Exception {
            out.write(text.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        /** Sends a command and reads its reply (the last line of a multi-line one), which must start so. */
        String expect(String command, String start) throws Exception {
            send(command + "\r\n");
            String reply;
            do {
                reply = line();
            } while (reply.length() > 3 && reply.charAt(3) == '-');
            assertTrue(reply.startsWith(start), command + " -> " + reply);
            return reply;
        }

        String line() throws Exception {
            String l = in.readLine();
            return l == null ? "(closed)" : l;
        }

        @Override
        public void close() throws Exception {
            socket.close();
        }
    }
}
