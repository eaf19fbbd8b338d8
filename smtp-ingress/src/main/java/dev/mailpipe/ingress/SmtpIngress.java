package dev.mailpipe.ingress;

import dev.mailpipe.model.MailboxRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * smtp-ingress: the ESMTP server. Faces the network: it talks to SMTP clients, and to nothing else
 * but Kafka. Reads SMTP sessions; writes each accepted message to {@code mail.inbound} and answers
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
    private NetServer server;

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
        // Answering RCPT before the registry is loaded would refuse mailboxes that exist.
        if (!mailboxes.awaitCaughtUp(java.time.Duration.ofSeconds(60))) {
            throw new IllegalStateException("mailbox registry (mail.accounts) not loaded within 60 s");
        }
        server = vertx.createNetServer(new NetServerOptions().setHost(config.host()).setPort(config.port())
                .setTcpNoDelay(true));
        server.connectHandler(this::connected);
        server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        LOG.infof("SMTP listening on %s:%d as %s", config.host(), server.actualPort(), config.hostname());
    }

    void stop(@Observes ShutdownEvent event) throws Exception {
        if (server != null) {
            server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private void connected(NetSocket socket) {
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
        new SmtpSession(this, socket, vertx.getOrCreateContext(), id).start(refusal);
    }

    void sessionEnded(String ip) {
        metrics.sessionClosed();
        open.decrementAndGet();
        perClient.computeIfPresent(ip, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    /** The port actually bound (differs from the configured one when that is 0). */
    public int port() {
        return server.actualPort();
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
