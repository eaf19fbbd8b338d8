package dev.mailpipe.e2e;

import dev.mailpipe.peers.DnsServer;
import dev.mailpipe.peers.Loopback;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One pipeline (./mailpipe up) and one DNS server for all end-to-end test classes: starting them
 * takes half a minute, so they are started once and stopped when the test run ends. Remote MX
 * hosts are loopback addresses from the test zone, all on {@link #smtpPort}.
 */
final class SharedPipeline implements BeforeAllCallback, ExtensionContext.Store.CloseableResource, AutoCloseable {
    private static SharedPipeline instance;

    final DnsServer dns;
    final Pipeline pipeline;
    final int smtpPort;
    final Path tmp;

    private SharedPipeline(DnsServer dns, Pipeline pipeline, int smtpPort, Path tmp) {
        this.dns = dns;
        this.pipeline = pipeline;
        this.smtpPort = smtpPort;
        this.tmp = tmp;
    }

    /** For @ExtendWith: JUnit instantiates this; the real work happens once, in the root store. */
    public SharedPipeline() {
        this(null, null, 0, null);
    }

    static SharedPipeline get() {
        return instance;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        synchronized (SharedPipeline.class) {
            if (instance == null) {
                Path tmp = Files.createTempDirectory("mailpipe-e2e-");
                DnsServer dns = DnsServer.start(tmp.resolve("dns"), "remote.test");
                int port = Loopback.freePort("127.0.0.2", "127.0.0.3", "127.0.0.5", "127.0.0.14", "127.0.0.66", "127.0.0.67",
                        "127.0.0.15");
                // One site with a rate (SiteRateAcrossReplicasIT); no other test's site has one.
                Path shaping = Files.writeString(tmp.resolve("shaping.yaml"), "sites:\n  rated-mx.remote.test: {messages-per-minute: "
                        + SiteRateAcrossReplicasIT.PER_MINUTE + "}\n");
                Pipeline p = Pipeline.relaying(tmp.resolve("pipeline"), dns, port, Map.of(
                        "MAILPIPE_RELAY_CONNECT_TIMEOUT", "2s",
                        "MAILPIPE_RETRY_DELAYS", "2s,2s,2s,2s,2s",
                        "MAILPIPE_RETRY_MAX_LIFETIME", "15s",
                        "MAILPIPE_RELAY_DELAY_WARNING", "5s",
                        "MAILPIPE_RELAY_SHAPING_FILE", shaping.toString(),
                        // Failed API logins (Dovecot's) slowed by little and locked out after three, so
                        // that a test reaches the lockout through Dovecot's own penalty in seconds.
                        "MAILPIPE_API_FIRST_DELAY", "50ms",
                        "MAILPIPE_API_MAX_DELAY", "100ms",
                        "MAILPIPE_API_MAX_FAILURES_PER_CLIENT", "3"));
                instance = new SharedPipeline(dns, p, port, tmp);
                context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).put("mailpipe-pipeline", instance);
            }
        }
    }

    @Override
    public void close() throws Exception {
        pipeline.close();
        dns.close();
    }
}
