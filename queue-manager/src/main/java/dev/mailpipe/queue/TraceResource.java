package dev.mailpipe.queue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailpipe.api.ApiIdentities;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;

/**
 * {@code GET /api/trace/{queue id | Message-ID}}: one message's history from {@code mail.events},
 * oldest first: received, routed, deferred, relayed or delivered, with each stage's instance and the
 * remote replies. JSON ({@code {id, events: [...]}}) or, for {@code Accept: text/plain}, lines a
 * person reads ({@link TraceScreen}). 404 when no event names it. For the administrator only.
 */
@Path("/api/trace/{id}")
@RolesAllowed(ApiIdentities.ADMIN)
@Blocking
public class TraceResource {
    private final TraceIndex index;

    TraceResource(TraceIndex index) {
        this.index = index;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response json(@PathParam("id") String id) throws InterruptedException {
        List<JsonNode> events = index.trace(id);
        if (events.isEmpty()) {
            return notFound(id);
        }
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("id", events.get(0).path("id").asText());
        body.putArray("events").addAll(events);
        return Response.ok(body).build();
    }

    @GET
    @Produces(MediaType.TEXT_PLAIN)
    public Response text(@PathParam("id") String id) throws InterruptedException {
        List<JsonNode> events = index.trace(id);
        return events.isEmpty() ? notFound(id) : Response.ok(TraceScreen.lines(events)).build();
    }

    private Response notFound(String id) {
        return Response.status(Response.Status.NOT_FOUND).type(MediaType.APPLICATION_JSON)
                .entity(JsonNodeFactory.instance.objectNode().put("error", "no events for " + id + " (queue id or Message-ID)"
                        + " among the " + index.size() + " the trace index holds"))
                .build();
    }
}
