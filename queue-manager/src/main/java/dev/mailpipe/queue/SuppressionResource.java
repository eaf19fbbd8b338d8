package dev.mailpipe.queue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.mailpipe.api.ApiIdentities;
import dev.mailpipe.runtime.SuppressionCommand;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * {@code ./mailpipe suppression} over HTTP, for the administrator: {@code GET /api/suppression}
 * lists the suppressed recipients (JSON, or the table for {@code Accept: text/plain}), {@code
 * DELETE /api/suppression/{address}} lifts one (404 when it is not suppressed). The command line's
 * own code ({@link SuppressionCommand}).
 */
@Path("/api/suppression")
@RolesAllowed(ApiIdentities.ADMIN)
@Blocking
public class SuppressionResource {
    @jakarta.inject.Inject
    @io.smallrye.common.annotation.Identifier("default-kafka-broker")
    java.util.Map<String, Object> kafka;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response json() throws Exception {
        return run(MediaType.APPLICATION_JSON, "list", "--json");
    }

    @GET
    @Produces(MediaType.TEXT_PLAIN)
    public Response table() throws Exception {
        return run(MediaType.TEXT_PLAIN, "list");
    }

    @DELETE
    @Path("/{address}")
    @Produces(MediaType.TEXT_PLAIN)
    public Response lift(@PathParam("address") String address) throws Exception {
        if (address.length() > 320 || !address.matches("[^\\s@]+@[^\\s@]+")) {
            return error(Response.Status.BAD_REQUEST, "not an address");
        }
        return run(MediaType.TEXT_PLAIN, "remove", address);
    }

    private Response run(String type, String... words) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = SuppressionCommand.run(kafka, java.util.List.of(words), o, e);
        }
        if (status == 0) {
            return Response.ok(out.toString(StandardCharsets.UTF_8)).type(type).build();
        }
        return error(status == 1 ? Response.Status.NOT_FOUND : Response.Status.SERVICE_UNAVAILABLE, err.toString(StandardCharsets.UTF_8));
    }

    private static Response error(Response.Status status, String why) {
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(JsonNodeFactory.instance.objectNode().put("error", why.trim())).build();
    }
}
