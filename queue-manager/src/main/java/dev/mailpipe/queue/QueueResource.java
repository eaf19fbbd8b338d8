package dev.mailpipe.queue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailpipe.api.ApiIdentities;
import dev.mailpipe.runtime.QueueListing.Waiting;
import dev.mailpipe.runtime.QueueListing;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The queue commands over HTTP, for the administrator only: {@code GET /api/queue} lists what
 * waits (JSON, or the {@code mailq}-like table for {@code Accept: text/plain}); {@code POST
 * /api/queue/flush[/{domain}]} makes it due now; {@code DELETE /api/queue/{queue id}} removes a
 * message and bounces it to its sender. A flush or drop that finds nothing answers 404 with why;
 * the listed, flushed or dropped records come back in the answer.
 */
@Path("/api/queue")
@RolesAllowed(ApiIdentities.ADMIN)
public class QueueResource {
    private final QueueManager queue;

    QueueResource(QueueManager queue) {
        this.queue = queue;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public CompletionStage<Response> list() {
        return run(new QueueCommand.List(), w -> Response.ok(QueueListing.json(w)).build());
    }

    @GET
    @Produces(MediaType.TEXT_PLAIN)
    public CompletionStage<Response> table() {
        return run(new QueueCommand.List(), w -> Response.ok(QueueListing.table(w, Instant.now())).build());
    }

    @POST
    @Path("/flush")
    @Produces(MediaType.APPLICATION_JSON)
    public CompletionStage<Response> flushAll() {
        return run(new QueueCommand.Flush(null), w -> done("flushed", w, "the queue is empty"));
    }

    @POST
    @Path("/flush/{domain}")
    @Produces(MediaType.APPLICATION_JSON)
    public CompletionStage<Response> flush(@PathParam("domain") String domain) {
        return run(new QueueCommand.Flush(domain), w -> done("flushed", w, "no deferred mail for " + domain));
    }

    @DELETE
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    public CompletionStage<Response> drop(@PathParam("id") String id) {
        return run(new QueueCommand.Drop(id), w -> done("dropped", w, "no message " + id + " in the queue"));
    }

    private CompletionStage<Response> run(QueueCommand command, Function<List<Waiting>, Response> answer) {
        return queue.submit(command).thenApply(answer).exceptionally(QueueResource::failed);
    }

    /** {"flushed": 2, "messages": [...]}, or 404 with {"error": why} when the command found nothing. */
    private static Response done(String verb, List<Waiting> affected, String whyNothing) {
        if (affected.isEmpty()) {
            return Response.status(Response.Status.NOT_FOUND).type(MediaType.APPLICATION_JSON)
                    .entity(JsonNodeFactory.instance.objectNode().put("error", whyNothing)).build();
        }
        ObjectNode body = JsonNodeFactory.instance.objectNode().put(verb, affected.size());
        body.set("messages", QueueListing.json(affected));
        return Response.ok(body).build();
    }

    private static Response failed(Throwable t) {
        Throwable cause = t.getCause() != null ? t.getCause() : t;
        Response.Status status = cause instanceof TimeoutException ? Response.Status.GATEWAY_TIMEOUT
                : Response.Status.SERVICE_UNAVAILABLE;
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(JsonNodeFactory.instance.objectNode()
                .put("error", "the queue manager could not run the command: " + cause)).build();
    }
}
