package dev.mailpipe.ingress;

import io.vertx.core.Vertx;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What a session needs of the server it belongs to, and nothing more: its settings, where accepted
 * mail goes, who decides about recipients and passwords, and whom to tell when it ends. One per
 * listener kind (MX or submission).
 *
 * @param primaryDomain where the bare {@code Postmaster} recipient (RFC 5321 4.5.1) goes
 * @param ended told when a session's connection has closed
 * @param hooks what is asked at each phase of a session: the recipient policy, the sender's login, the checks
 * @param memory the message bytes all sessions may hold, shared by both listener kinds
 * @param stressed whether the server is under stress (most of its connections in use)
 * @param pregreet how long each client's greeting waits (the early-talker test)
 * @param pipelining postscreen's pipelining test (off unless configured)
 */
record SessionContext(IngressConfig config, Vertx vertx, IngressMetrics metrics, InboundPublisher publisher,
        RecipientPolicy recipients, Authenticator authenticator, Supplier<String> primaryDomain, boolean submission,
        boolean tlsAvailable, Consumer<ClientConnection> ended, SessionHooks hooks, MessageMemory memory, java.util.function.BooleanSupplier stressed, Pregreet pregreet,
        PipeliningTest pipelining) {
}
