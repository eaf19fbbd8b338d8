package dev.mailpipe.ingress;

import dev.mailpipe.runtime.MailboxRegistry;
import dev.mailpipe.runtime.TlsPolicy;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PfxOptions;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.Set;
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
 *
 * <p>Trusts: nobody on the MX port (relaying only from {@code relay-networks}; the door, SPF, DKIM
 * and DMARC for everyone else); a login on the submission port, for what its mailbox owns; a PROXY
 * header only from {@code proxy.trusted-networks}. Every byte a client sends is bounded in size,
 * count and time.
 */
@Singleton
public class SmtpIngress {
    private static final Logger LOG = Logger.getLogger(SmtpIngress.class);

    private final Vertx vertx;
    private final IngressConfig config;
    private final EventLoopLiveness liveness;
    private final InboundPublisher publisher;
    private final IngressMetrics metrics;
    private final MailboxRegistry mailboxes;
    private final SessionContext mx;
    private final SessionContext submission;
    private final AtomicInteger open = new AtomicInteger();
    /** PROXY-port connections whose header has not come yet. */
    private final AtomicInteger proxyPending = new AtomicInteger();
    /** Every session's connection, for the drain at shutdown. */
    private final Set<ClientConnection> live = ConcurrentHashMap.newKeySet();
    /** Set at shutdown: new connections are refused, sessions are closed as they reach a command. */
    private volatile boolean draining;
    /** Sessions per client key, changed with merge/compute alone so that no count is lost to a removal. */
    private final ConcurrentHashMap<String, Integer> perClient = new ConcurrentHashMap<>();
    private final AtomicLong sessionIds = new AtomicLong();
    /** The listener deployments, undeployed (their servers closed) first at shutdown. */
    private final java.util.List<String> deployments = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Every listener's acceptor, for certificate reloads. */
    private final java.util.List<LoopAcceptor> acceptors = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The keystore file as last loaded: modification time and size. */
    private volatile String keystoreStamp = "";
    /** Per port, the event-loop threads its listeners run on. */
    private final Map<Integer, Set<String>> listenerLoops = new ConcurrentHashMap<>();
    private int port = -1;
    private int submissionPort = -1;
    private int proxyPort = -1;
    /** The load balancers that may send a PROXY header; set when the PROXY port is on. */
    private volatile ClientNetworks trustedProxies;
    private final Reply untrustedProxy;
    /** The message bytes all sessions may hold. */
    private final MessageMemory memory;

    SmtpIngress(Vertx vertx, IngressConfig config, MailboxRegistry mailboxes, InboundPublisher publisher,
            IngressMetrics metrics, SenderChecksConfig checks, DoorConfig door, RspamdConfig rspamd, MilterConfig milters, io.micrometer.core.instrument.MeterRegistry registry,
            @org.eclipse.microprofile.health.Liveness EventLoopLiveness liveness) {
        this.liveness = liveness;
        this.vertx = vertx;
        this.config = config;
        this.publisher = publisher;
        this.metrics = metrics;
        this.mailboxes = mailboxes;
        this.untrustedProxy = Reply.of(421, "4.7.0", config.hostname() + " Error: PROXY protocol is taken from trusted proxies only");
        ClientNetworks relayNetworks = new ClientNetworks(config.relayNetworks());
        RecipientPolicy recipients = new RecipientPolicy(mailboxes, relayNetworks);
        Pregreet pregreet = new Pregreet(config, this::stressed);
        Authenticator authenticator = new Authenticator(vertx, mailboxes, new AuthThrottle(config.authThrottling()), metrics);
        // Submission takes mail from authenticated users only, whose mail is ours: nothing to check
        // but that each sends as itself.
        SenderLogin senderLogin = new SenderLogin(mailboxes);
        this.memory = MessageMemory.of(config);
        SessionHooks.Builder mxHooks = mxHooks(vertx, config, door, metrics, recipients);
        if (checks.enabled()) {
            mxHooks.data(new SenderChecksHook(vertx, new SenderChecks(checks, registry)));
        }
        SessionHooks.Builder submissionHooks = SessionHooks.builder().mail(senderLogin).rcpt(recipients)
                .data(new SubmissionHeaders(config.hostname())).data(senderLogin);
        if (rspamd.url().filter(u -> !u.isBlank()).isPresent()) {
            // After the sender checks, so that rspamd's DMARC and SPF see their Authentication-Results.
            RspamdHook scan = new RspamdHook(vertx, rspamd, metrics);
            mxHooks.data(scan);
            if (rspamd.scanSubmission()) {
                submissionHooks.data(scan);
            }
        }
        // Last, as Postfix asks its milters after its own restrictions: they see the message as the
        // hooks before left it (Authentication-Results, rspamd's headers).
        milters.mx().filter(m -> !m.isBlank()).ifPresent(list -> {
            MilterHook hook = new MilterHook(vertx, MilterSpec.parse(list, milters), config.hostname(), "mx", metrics, config.maxMessageSize());
            mxHooks.rcpt(hook).data(hook);
        });
        milters.submission().filter(m -> !m.isBlank()).ifPresent(list -> {
            MilterHook hook = new MilterHook(vertx, MilterSpec.parse(list, milters), config.hostname(), "submission", metrics,
                    config.maxMessageSize());
            submissionHooks.rcpt(hook).data(hook);
        });
        this.mx = new SessionContext(config, vertx, metrics, publisher, recipients, authenticator, mailboxes::primaryDomain,
                false, tlsAvailable(), this::sessionEnded, mxHooks.build(), this.memory, this::stressed, pregreet,
                new PipeliningTest(door.pipeliningTest(), metrics));
        this.submission = new SessionContext(config, vertx, metrics, publisher, recipients, authenticator,
                mailboxes::primaryDomain, true, tlsAvailable(), this::sessionEnded, submissionHooks.build(), this.memory, this::stressed,
                pregreet, new PipeliningTest(false, metrics));
    }

    /**
     * The MX port's door, in Postfix's order: anvil's rates, then the DNS lists at connect; at
     * RCPT the rate, the recipient policy, then the policy server; at the end of data what the
     * policy server asked to prepend (and its end-of-message check). Each part only when configured.
     */
    private static SessionHooks.Builder mxHooks(Vertx vertx, IngressConfig config, DoorConfig door, IngressMetrics metrics,
            RecipientPolicy recipients) {
        SessionHooks.Builder hooks = SessionHooks.builder();
        ClientRates rates = new ClientRates(door, config.hostname(), metrics);
        if (rates.enabled()) {
            hooks.connect(rates).startTls(rates).mail(rates).rcpt(rates);
        }
        DnsListScore lists = new DnsListScore(vertx, door, metrics);
        if (lists.enabled()) {
            hooks.connect(lists);
        }
        hooks.rcpt(recipients);
        if (door.policy().service().filter(s -> !s.isBlank()).isPresent()) {
            PolicyDelegation policy = new PolicyDelegation(vertx, door.policy(), metrics);
            hooks.rcpt(policy).data(policy);
        }
        return hooks;
    }

    void start(@Observes StartupEvent event) throws Exception {
        mailboxes.awaitLoaded();
        publisher.awaitReady();
        int loops = config.eventLoops() > 0 ? config.eventLoops() : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        port = listen(config.port(), false, false, loops);
        LOG.infof("SMTP listening on %s:%d as %s on %d event loops%s", config.host(), port, config.hostname(), loops,
                tlsAvailable() ? " (STARTTLS offered)" : " (no TLS keystore: STARTTLS not offered)");
        if (config.submissionPort() >= 0) {
            submissionPort = listen(config.submissionPort(), true, false, loops);
            LOG.infof("submission listening on %s:%d (AUTH after STARTTLS required)", config.host(), submissionPort);
        }
        if (config.proxyPort() >= 0) {
            trustedProxies = new ClientNetworks(config.proxy().trustedNetworks().filter(n -> !n.isEmpty())
                    .orElseThrow(() -> new IllegalStateException("mailpipe.ingress.proxy-port is set, but not "
                            + "mailpipe.ingress.proxy.trusted-networks: the load balancers' addresses, the only peers whose "
                            + "PROXY header may be believed")));
            proxyPort = listen(config.proxyPort(), false, true, loops);
            LOG.infof("SMTP behind PROXY protocol listening on %s:%d", config.host(), proxyPort);
        }
        config.tls().keystore().ifPresent(ks -> {
            keystoreStamp = stamp(ks);
            vertx.setPeriodic(config.tls().reloadCheck().toMillis(), t -> reloadIfChanged(ks));
        });
    }

    /** cert-manager (or an operator) replaced the keystore: new connections get the new certificate. */
    private void reloadIfChanged(String keystore) {
        String now = stamp(keystore);
        if (now.isEmpty() || now.equals(keystoreStamp)) {
            return;
        }
        keystoreStamp = now;
        for (LoopAcceptor a : acceptors) {
            a.reloadTls().onFailure(e -> LOG.warnf("cannot load the new keystore %s, keeping the old one: %s", keystore, e));
        }
        LOG.infof("TLS keystore %s changed; new connections get its certificate", keystore);
    }

    private static String stamp(String file) {
        try {
            var attrs = java.nio.file.Files.readAttributes(java.nio.file.Path.of(file), java.nio.file.attribute.BasicFileAttributes.class);
            return attrs.lastModifiedTime() + "/" + attrs.size();
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /**
     * Opens one listener per event loop, all on the same port: each is a verticle instance, so each
     * runs on its own event loop, with its own socket (see {@link LoopAcceptor}); the kernel spreads
     * new connections over them, and sessions use every loop. (A context taken with
     * {@code getOrCreateContext()} from a startup thread would not do: Vert.x keeps returning that
     * thread's one sticky context.) Returns the port.
     */
    private int listen(int configured, boolean isSubmission, boolean proxy, int loops) throws Exception {
        // Port 0 (tests): choose the port first, since every instance must bind the same one to share it.
        int bound = configured == 0 ? freePort() : configured;
        NetServerOptions options = serverOptions(bound, proxy);
        deployments.add(vertx.deployVerticle(() -> new Listener(options, isSubmission),
                new DeploymentOptions().setInstances(loops)).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
        return bound;
    }

    private NetServerOptions serverOptions(int port, boolean proxy) {
        NetServerOptions options = new NetServerOptions().setHost(config.host()).setPort(port).setTcpNoDelay(true);
        // The key is loaded up front but TLS starts only when a client says STARTTLS.
        config.tls().keystore().ifPresent(ks -> {
            options.setKeyCertOptions(new PfxOptions().setPath(ks).setPassword(config.tls().keystorePassword().orElse("")));
            options.setEnabledSecureTransportProtocols(TlsPolicy.PROTOCOLS);
            TlsPolicy.CIPHER_SUITES.forEach(options::addEnabledCipherSuite);
        });
        if (proxy) {
            options.setUseProxyProtocol(true).setProxyProtocolTimeout(10).setProxyProtocolTimeoutUnit(TimeUnit.SECONDS);
        }
        return options;
    }

    /** One listener on one event loop: it accepts its own connections and serves them there. */
    private final class Listener extends AbstractVerticle {
        private final NetServerOptions options;
        private final boolean isSubmission;
        private LoopAcceptor acceptor;

        Listener(NetServerOptions options, boolean isSubmission) {
            this.options = new NetServerOptions(options);
            this.isSubmission = isSubmission;
        }

        @Override
        public void start(Promise<Void> started) {
            listenerLoops.computeIfAbsent(options.getPort(), p -> ConcurrentHashMap.newKeySet())
                    .add(Thread.currentThread().getName());
            // This loop's heartbeat, for liveness: a timer set here runs on this loop.
            liveness.tick();
            vertx.setPeriodic(1000, t -> liveness.tick());
            LoopAcceptor.bind(vertx, context, options, options.isUseProxyProtocol() ? proxyDoor : null,
                            socket -> connected(socket, isSubmission, context))
                    .onSuccess(a -> {
                        acceptor = a;
                        acceptors.add(a);
                    }).<Void>mapEmpty().onComplete(started);
        }

        @Override
        public void stop(Promise<Void> stopped) {
            acceptors.remove(acceptor);
            (acceptor == null ? io.vertx.core.Future.<Void>succeededFuture() : acceptor.close()).onComplete(stopped);
        }
    }

    private int freePort() throws java.io.IOException {
        try (var probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(config.host()))) {
            return probe.getLocalPort();
        }
    }

    private boolean tlsAvailable() {
        return config.tls().keystore().isPresent();
    }

    /**
     * A stop as an orchestrator does it (SIGTERM, after preStop has taken the pod out of the load
     * balancer): no new sessions; each open one ends at its next command with 421, a message under
     * way first finished and acknowledged; then, once none is left or {@code shutdown-grace} has
     * passed, the listeners close. Nothing accepted is lost either way: a client that did not hear
     * 250 sends again.
     */
    void stop(@Observes @jakarta.annotation.Priority(1) ShutdownEvent event) throws Exception {
        // Priority 1: before the publisher's producer closes, so messages under way still reach Kafka.
        draining = true;
        live.forEach(c -> c.onEventLoop(c::drain));
        long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
        while (open.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        if (open.get() > 0) {
            LOG.warnf("%d SMTP session(s) still open after %s; closing them", open.get(), config.shutdownGrace());
        }
        for (String id : deployments) {
            vertx.undeploy(id).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    /**
     * A peer of the PROXY port that is not a trusted load balancer: its header would be believed,
     * and it could claim to be any client, a relay network's included. Refused before it is read.
     */
    private final LoopAcceptor.UntrustedProxy proxyDoor = new LoopAcceptor.UntrustedProxy() {
        @Override
        public byte[] refusal(java.net.SocketAddress peer) {
            String ip = peer instanceof java.net.InetSocketAddress a ? a.getAddress().getHostAddress() : String.valueOf(peer);
            if (!trustedProxies.contains(ip)) {
                metrics.rejected(untrustedProxy);
                LOG.warnf("PROXY port: refused %s, not in mailpipe.ingress.proxy.trusted-networks", ip);
                return untrustedProxy.toBuffer().getBytes();
            }
            // Before its header a connection already holds a socket: it counts toward the limit.
            if (open.get() + proxyPending.incrementAndGet() > config.maxConnections()) {
                proxyPending.decrementAndGet();
                Reply busy = Reply.of(421, "4.7.0", config.hostname() + " Error: too many connections");
                metrics.rejected(busy);
                return busy.toBuffer().getBytes();
            }
            return null;
        }

        @Override
        public void headerDone() {
            proxyPending.decrementAndGet();
        }
    };

    private void connected(NetSocket socket, boolean isSubmission, Context context) {
        String ip = socket.remoteAddress().hostAddress();
        metrics.sessionOpened();
        int total = open.incrementAndGet();
        int fromClient = perClient.merge(ClientKey.of(ip), 1, Integer::sum);
        String id = Long.toString(sessionIds.incrementAndGet(), 36);
        ClientConnection connection = new ClientConnection(isSubmission ? submission : mx, socket, context, id);
        // Known before the check, so that a stop that begins now either refuses it or drains it.
        live.add(connection);
        Reply refusal = null;
        if (draining) {
            refusal = Reply.shuttingDown(config.hostname());
        } else if (total > config.maxConnections()) {
            refusal = Reply.of(421, "4.7.0", config.hostname() + " Error: too many connections");
        } else if (fromClient > config.maxConnectionsPerClient()) {
            refusal = Reply.of(421, "4.7.0", config.hostname() + " Error: too many connections from " + ip);
        }
        connection.start(refusal);
    }

    private void sessionEnded(ClientConnection connection) {
        live.remove(connection);
        metrics.sessionClosed();
        open.decrementAndGet();
        perClient.computeIfPresent(ClientKey.of(connection.clientIp()), (k, n) -> n <= 1 ? null : n - 1);
    }

    /** Most of the connection limit in use: every wait for a client is cut to the stress timeout. */
    boolean stressed() {
        return open.get() + proxyPending.get() > config.maxConnections() * config.stressThreshold();
    }

    /** The port actually bound (differs from the configured one when that is 0). */
    public int port() {
        return port;
    }

    /** The event-loop threads serving {@code port}: one per listener, none shared. */
    Set<String> eventLoopsOf(int port) {
        return listenerLoops.getOrDefault(port, Set.of());
    }

    MessageMemory messageMemory() {
        return memory;
    }

    public int submissionPort() {
        return submissionPort;
    }

    public int proxyPort() {
        return proxyPort;
    }
}
