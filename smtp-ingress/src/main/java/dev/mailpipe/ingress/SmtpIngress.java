package dev.mailpipe.ingress;

import dev.mailpipe.model.MailboxRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PfxOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * smtp-ingress: the ESMTP server. Faces the network: it talks to SMTP clients, and to nothing else
 * but Kafka. Listens as an MX (port 25 in production), for submission (RFC 6409: AUTH after
 * STARTTLS, then relaying is allowed) and, opt-in, behind a load balancer speaking PROXY protocol. Reads SMTP sessions; writes each accepted message to {@code mail.inbound} and answers
 * 250 only once the broker has acknowledged it. Decides at RCPT time what it accepts (see
 * {@link RecipientPolicy}), so it never becomes an open relay and never has to bounce what it took.
 */
@ApplicationScoped
public class SmtpIngress {
    private static final Logger LOG = Logger.getLogger(SmtpIngress.class);

    private final Vertx vertx;
    private final IngressConfig config;
    private final InboundPublisher publisher;
    private final IngressMetrics metrics;
    private final MailboxRegistry mailboxes;
    private final RecipientPolicy recipientPolicy;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<String, AtomicInteger> perClient = new ConcurrentHashMap<>();
    private final AtomicLong sessionIds = new AtomicLong();
    private final java.util.List<NetServer> servers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private int port = -1;
    private int submissionPort = -1;
    private int proxyPort = -1;

    SmtpIngress(Vertx vertx, IngressConfig config, MailboxRegistry mailboxes, InboundPublisher publisher,
            IngressMetrics metrics) {
        this.vertx = vertx;
        this.config = config;
        this.publisher = publisher;
        this.metrics = metrics;
        this.mailboxes = mailboxes;
        this.recipientPolicy = new RecipientPolicy(mailboxes, new ClientNetworks(config.relayNetworks()));
    }

    void start(@Observes StartupEvent event) throws Exception {
        mailboxes.awaitLoaded();
        int loops = config.eventLoops() > 0 ? config.eventLoops() : Runtime.getRuntime().availableProcessors();
        port = listen(config.port(), false, false, loops);
        LOG.infof("SMTP listening on %s:%d as %s on %d event loops%s", config.host(), port, config.hostname(), loops,
                tlsAvailable() ? " (STARTTLS offered)" : " (no TLS keystore: STARTTLS not offered)");
        if (config.submissionPort() >= 0) {
            submissionPort = listen(config.submissionPort(), true, false, loops);
            LOG.infof("submission listening on %s:%d (AUTH after STARTTLS required)", config.host(), submissionPort);
        }
        if (config.proxyPort() >= 0) {
            proxyPort = listen(config.proxyPort(), false, true, loops);
            LOG.infof("SMTP behind PROXY protocol listening on %s:%d", config.host(), proxyPort);
        }
    }

    /**
     * Opens one listener {@code loops} times on the same port, each on its own event loop: Vert.x
     * then hands connections to them in turn, so sessions use every core. Returns the port.
     */
    private int listen(int configured, boolean isSubmission, boolean proxy, int loops) throws Exception {
        // Port 0 (tests): choose the port first, since every instance must bind the same one to share it.
        int bound = configured == 0 ? freePort() : configured;
        for (int i = 0; i < loops; i++) {
            int onPort = bound;
            java.util.concurrent.CompletableFuture<NetServer> started = new java.util.concurrent.CompletableFuture<>();
            vertx.getOrCreateContext().runOnContext(v -> listenOnce(onPort, isSubmission, proxy).onComplete(r -> {
                if (r.succeeded()) {
                    started.complete(r.result());
                } else {
                    started.completeExceptionally(r.cause());
                }
            }));
            NetServer s = started.get(30, TimeUnit.SECONDS);
            servers.add(s);
            bound = s.actualPort();
        }
        return bound;
    }

    private io.vertx.core.Future<NetServer> listenOnce(int port, boolean isSubmission, boolean proxy) {
        NetServerOptions options = new NetServerOptions().setHost(config.host()).setPort(port).setTcpNoDelay(true);
        // The key is loaded up front but TLS starts only when a client says STARTTLS.
        config.tls().keystore().ifPresent(ks -> options.setKeyCertOptions(
                new PfxOptions().setPath(ks).setPassword(config.tls().keystorePassword().orElse(""))));
        if (proxy) {
            options.setUseProxyProtocol(true).setProxyProtocolTimeout(10).setProxyProtocolTimeoutUnit(TimeUnit.SECONDS);
        }
        NetServer s = vertx.createNetServer(options);
        s.connectHandler(socket -> connected(socket, isSubmission));
        return s.listen();
    }

    private int freePort() throws java.io.IOException {
        try (var probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(config.host()))) {
            return probe.getLocalPort();
        }
    }

    boolean tlsAvailable() {
        return config.tls().keystore().isPresent();
    }

    void stop(@Observes ShutdownEvent event) throws Exception {
        for (NetServer s : servers) {
            s.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private void connected(NetSocket socket, boolean isSubmission) {
        String ip = socket.remoteAddress().hostAddress();
        metrics.sessionOpened();
        int total = open.incrementAndGet();
        int fromClient = perClient.computeIfAbsent(ip, k -> new AtomicInteger()).incrementAndGet();
        Reply refusal = null;
        if (total > config.maxConnections()) {
            refusal = Reply.of(421, "4.7.0", config.hostname() + " Error: too many connections");
        } else if (fromClient > config.maxConnectionsPerClient()) {
            refusal = Reply.of(421, "4.7.0", config.hostname() + " Error: too many connections from " + ip);
        }
        String id = Long.toString(sessionIds.incrementAndGet(), 36);
        new SmtpSession(this, socket, vertx.getOrCreateContext(), id, isSubmission).start(refusal);
    }

    void sessionEnded(String ip) {
        metrics.sessionClosed();
        open.decrementAndGet();
        perClient.computeIfPresent(ip, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    /** The port actually bound (differs from the configured one when that is 0). */
    public int port() {
        return port;
    }

    public int submissionPort() {
        return submissionPort;
    }

    public int proxyPort() {
        return proxyPort;
    }

    Vertx vertx() {
        return vertx;
    }

    IngressConfig config() {
        return config;
    }

    InboundPublisher publisher() {
        return publisher;
    }

    IngressMetrics metrics() {
        return metrics;
    }

    MailboxRegistry mailboxes() {
        return mailboxes;
    }

    RecipientPolicy recipientPolicy() {
        return recipientPolicy;
    }
}
