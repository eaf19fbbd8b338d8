package dev.mailpipe.relay;

import dev.mailpipe.peers.Loopback;
import dev.mailpipe.peers.SmtpSink;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Two remote MX hosts on one port: 127.0.0.31 greets and then never answers (a tarpit), 127.0.0.32
 * is an aiosmtpd sink that accepts at once. The relay under test reaches both on that port.
 */
public class SlowAndFastPeers implements QuarkusTestResourceLifecycleManager {
    static SmtpSink fast;
    static final List<Socket> silentConnections = new CopyOnWriteArrayList<>();
    private static ServerSocket silent;

    @Override
    public Map<String, String> start() {
        try {
            int port = Loopback.freePort("127.0.0.31", "127.0.0.32", "127.0.0.33"); // .33: ShapingServiceTest's own
            Path dir = Files.createTempDirectory("relay-peers-");
            fast = SmtpSink.start("127.0.0.32", port, dir.resolve("fast"), "accept");
            silent = new ServerSocket(port, 50, InetAddress.getByName("127.0.0.31"));
            Thread t = new Thread(() -> {
                while (!silent.isClosed()) {
                    try {
                        Socket s = silent.accept();
                        s.getOutputStream().write("220 tarpit.test ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
                        silentConnections.add(s); // kept open, never answered
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "silent-mx");
            t.setDaemon(true);
            t.start();
            // Shaping for sites no other test uses (ShapingServiceTest): 12 a minute for mx.rated.test,
            // and a 421 4.7.28 suspends its site.
            Path shaping = Files.writeString(dir.resolve("shaping.yaml"), """
                    sites:
                      mx.rated.test: {messages-per-minute: 12}
                      mx.fresh.test: {connections-per-minute: 4, messages-per-connection: 1}
                    throttles:
                      - {match: "4\\\\.7\\\\.28", action: suspend, for: 10m}
                    """);
            // A hand of 100 records, of which one site may keep 20 waiting: RelayConcurrencyTest sends more.
            return Map.of("mailpipe.relay.port", String.valueOf(port), "mailpipe.relay.timeout.greeting", "25s",
                    "mailpipe.relay.timeout.command", "25s", "mailpipe.relay.max-deliveries-in-hand", "100",
                    "mailpipe.relay.site-max-waiting", "20", "mailpipe.relay.shaping-file", shaping.toString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        try {
            silent.close();
            for (Socket s : silentConnections) {
                s.close();
            }
            fast.close();
        } catch (Exception e) {
            // Test peers only.
        }
    }
}
