package dev.mailpipe.relay;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.Route;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Walks a route: its MX hosts in rank order and each host's addresses in turn, until one server gives
 * a real answer for the recipients. A refused or timed-out connection, a 4xx or 5xx greeting, or a
 * 421 moves on to the next address ("if that server is busy or down, roll over to the next one").
 * When every address fails, each recipient is deferred with the last reason.
 */
final class MxWalker {
    private static final Logger LOG = Logger.getLogger(MxWalker.class);

    private final Vertx vertx;
    private final RelayConfig config;
    private final NetClient client;

    MxWalker(Vertx vertx, RelayConfig config) {
        this.vertx = vertx;
        this.config = config;
        this.client = vertx.createNetClient(new NetClientOptions()
                .setConnectTimeout((int) config.connectTimeout().toMillis())
                .setTcpNoDelay(true));
    }

    Future<List<Outcome>> deliver(Envelope envelope, byte[] message) {
        List<Target> targets = new ArrayList<>();
        Route route = envelope.route().orElse(null);
        if (route != null) {
            for (Route.MxHost h : route.mx()) {
                for (String a : h.addresses()) {
                    targets.add(new Target(h.host(), a));
                }
            }
        }
        return attempt(envelope, message, targets, 0, route == null ? "no route" : "route has no address");
    }

    private record Target(String host, String address) {
    }

    private Future<List<Outcome>> attempt(Envelope envelope, byte[] message, List<Target> targets, int i,
            String lastError) {
        if (i == targets.size()) {
            List<Outcome> deferred = new ArrayList<>();
            for (Recipient r : envelope.recipients()) {
                deferred.add(new Outcome(r, Outcome.Kind.DEFERRED, "4.4.1",
                        "x-mailpipe; no MX host reachable: " + lastError, null));
            }
            return Future.succeededFuture(deferred);
        }
        Target t = targets.get(i);
        return client.connect(config.port(), t.address())
                .compose(socket -> new SmtpTransfer(new SmtpConnection(vertx, socket, config.replyTimeout()),
                        config.hostname(), t.host(), envelope, message).run())
                .recover(e -> Future.succeededFuture(SmtpTransfer.Result.next(
                        t.host() + "[" + t.address() + "]:" + config.port() + ": " + e.getMessage())))
                .compose(result -> {
                    if (result.tryNextBecause() == null) {
                        return Future.succeededFuture(result.outcomes());
                    }
                    LOG.infof("%s: %s; trying the next address", envelope.id(), result.tryNextBecause());
                    return attempt(envelope, message, targets, i + 1, result.tryNextBecause());
                });
    }
}
