package dev.mailpipe.ingress;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import org.jboss.logging.Logger;

/**
 * rspamd at the end of data, over its HTTP protocol ({@code POST /checkv2}, the envelope as
 * request headers: From, Rcpt, Ip, Helo, Hostname, Queue-Id, User), for mail from untrusted clients
 * (and authenticated submission when configured). Its verdict ({@link RspamdVerdict}) refuses the
 * message, or tags and passes it; rspamd's antivirus module makes this call a ClamAV scan too.
 * When rspamd does not answer in time the configured failure action applies.
 */
final class RspamdHook implements SessionHooks.Data {
    private static final Logger LOG = Logger.getLogger(RspamdHook.class);
    /** Bounded: rspamd's answer names symbols and headers, not the message. */
    private static final int MAX_ANSWER = 256 * 1024;

    private final Vertx vertx;
    private final RspamdConfig config;
    private final IngressMetrics metrics;
    private final HttpClient client;
    private final RequestOptions target;

    RspamdHook(Vertx vertx, RspamdConfig config, IngressMetrics metrics) {
        this.vertx = vertx;
        this.config = config;
        this.metrics = metrics;
        URI url = URI.create(config.url().orElseThrow().replaceAll("/+$", "") + "/checkv2");
        int port = url.getPort() > 0 ? url.getPort() : 11333;
        this.client = vertx.createHttpClient(new HttpClientOptions().setSsl("https".equals(url.getScheme()))
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis())).setKeepAlive(true)
                .setMaxPoolSize(32));
        this.target = new RequestOptions().setMethod(HttpMethod.POST).setHost(url.getHost()).setPort(port)
                .setURI(url.getRawPath()).setTimeout(config.timeout().toMillis());
    }

    @Override
    public Future<HookResult> data(SessionView session, MailTransaction transaction, IncomingMessage message) {
        if (session.relayClient() || session.authenticated() != null && !config.scanSubmission()) {
            return HookResult.NEXT_NOW;
        }
        RequestOptions request = new RequestOptions(target);
        request.addHeader("From", transaction.mailFrom);
        transaction.recipients.forEach(r -> request.addHeader("Rcpt", r.address()));
        request.addHeader("Ip", session.clientIp());
        request.addHeader("Helo", session.helo());
        request.addHeader("Hostname", "unknown");
        request.addHeader("Queue-Id", transaction.id);
        if (session.authenticated() != null) {
            request.addHeader("User", session.authenticated());
        }
        long started = System.nanoTime();
        Promise<Buffer> answer = Promise.promise();
        // One deadline for the whole scan: the request's own timeout only bounds silences, and a
        // peer that trickles its answer would hold the message open otherwise.
        long deadline = vertx.setTimer(config.timeout().toMillis(), t -> answer.tryFail("no answer within " + config.timeout()));
        client.request(request)
                .compose(r -> r.send(Buffer.buffer(message.bytes())))
                .onSuccess(response -> read(response, answer))
                .onFailure(answer::tryFail);
        return answer.future().transform(done -> {
            vertx.cancelTimer(deadline);
            if (done.failed()) {
                return Future.succeededFuture(failed(session, transaction, message, String.valueOf(done.cause().getMessage())));
            }
            try {
                RspamdVerdict verdict = RspamdVerdict.parse(done.result().getBytes());
                metrics.contentScanned(verdict.action(), System.nanoTime() - started);
                HookResult result = verdict.apply(message);
                LOG.infof("[%s] %s %s", session.sessionId(), transaction.id, verdict.summary());
                return Future.succeededFuture(result);
            } catch (java.io.IOException e) {
                return Future.succeededFuture(failed(session, transaction, message, e.getMessage()));
            }
        });
    }

    /** The answer's body, read as it comes and refused past {@link #MAX_ANSWER}: never held whole first. */
    private static void read(HttpClientResponse response, Promise<Buffer> answer) {
        if (response.statusCode() != 200) {
            answer.tryFail("rspamd answered HTTP " + response.statusCode());
            response.request().reset();
            return;
        }
        Buffer body = Buffer.buffer();
        response.handler(chunk -> {
            if (body.length() + chunk.length() > MAX_ANSWER) {
                answer.tryFail("answer longer than " + MAX_ANSWER + " octets");
                response.request().reset();
                return;
            }
            body.appendBuffer(chunk);
        });
        response.exceptionHandler(answer::tryFail);
        response.endHandler(v -> answer.tryComplete(body));
    }

    private HookResult failed(SessionView session, MailTransaction transaction, IncomingMessage message, String why) {
        metrics.contentScanned("failed", 0);
        LOG.warnf("[%s] rspamd did not scan %s: %s; %s", session.sessionId(), transaction.id, why,
                config.onFailure() == RspamdConfig.OnFailure.DEFER ? "deferred" : "queued unscanned");
        if (config.onFailure() == RspamdConfig.OnFailure.DEFER) {
            return HookResult.refuse(Reply.of(451, "4.7.1", "Error: content scanner unavailable, try again later"));
        }
        message.contentScan("unscanned: " + dev.mailpipe.model.PeerText.oneLine(why), message.junk());
        return HookResult.NEXT;
    }
}
