package dev.mailpipe.scan;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;

/**
 * rspamd's normal worker over its HTTP protocol: {@code POST /checkv2} with the message as the body
 * and the envelope as request headers ({@link ScanRequest}). One deadline bounds the whole scan,
 * and the answer is read as it comes and refused past {@link #MAX_ANSWER}: a peer that trickles or
 * floods never holds a message or the memory.
 */
public final class RspamdClient {
    /** Bounded: rspamd's answer names symbols and headers, not the message. */
    static final int MAX_ANSWER = 256 * 1024;

    private final Vertx vertx;
    private final Duration timeout;
    private final HttpClient client;
    private final RequestOptions target;

    /** {@code url}: rspamd's normal worker, e.g. {@code http://127.0.0.1:11333}. */
    public RspamdClient(Vertx vertx, String url, Duration timeout, int connections) {
        this.vertx = vertx;
        this.timeout = timeout;
        URI uri = URI.create(url.replaceAll("/+$", "") + "/checkv2");
        int port = uri.getPort() > 0 ? uri.getPort() : 11333;
        this.client = vertx.createHttpClient(new HttpClientOptions().setSsl("https".equals(uri.getScheme()))
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis())).setKeepAlive(true)
                .setMaxPoolSize(connections));
        this.target = new RequestOptions().setMethod(HttpMethod.POST).setHost(uri.getHost()).setPort(port)
                .setURI(uri.getRawPath()).setTimeout(timeout.toMillis());
    }

    /** rspamd's verdict on {@code message}; failed when it does not answer in time, answers in error, or not in JSON. */
    public Future<RspamdVerdict> check(ScanRequest envelope, byte[] message) {
        RequestOptions request = new RequestOptions(target);
        request.addHeader("From", envelope.mailFrom());
        envelope.recipients().forEach(r -> request.addHeader("Rcpt", r));
        request.addHeader("Ip", envelope.clientIp());
        request.addHeader("Helo", envelope.helo() == null ? "" : envelope.helo());
        request.addHeader("Hostname", "unknown");
        request.addHeader("Queue-Id", envelope.queueId());
        if (envelope.user() != null) {
            request.addHeader("User", envelope.user());
        }
        Promise<Buffer> answer = Promise.promise();
        // The request's own timeout only bounds silences, and a peer that trickles its answer would
        // hold the message open otherwise.
        long deadline = vertx.setTimer(timeout.toMillis(), t -> answer.tryFail("no answer within " + timeout));
        client.request(request)
                .compose(r -> r.send(Buffer.buffer(message)))
                .onSuccess(response -> read(response, answer))
                .onFailure(answer::tryFail);
        return answer.future().transform(done -> {
            vertx.cancelTimer(deadline);
            if (done.failed()) {
                return Future.failedFuture(done.cause());
            }
            try {
                return Future.succeededFuture(RspamdVerdict.parse(done.result().getBytes()));
            } catch (IOException e) {
                return Future.failedFuture(e);
            }
        });
    }

    public Future<Void> close() {
        return client.close();
    }

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
}
