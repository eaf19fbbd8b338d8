package dev.mailpipe.queue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.mailpipe.api.ApiIdentities;
import dev.mailpipe.replay.DeadLetterCommand;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * {@code ./mailpipe dead-letters} over HTTP, for the administrator: {@code GET /api/dead-letters}
 * lists (JSON, or the table for {@code Accept: text/plain}), {@code POST /api/dead-letters/replay}
 * sends every record not yet replayed back to its topic, {@code POST
 * /api/dead-letters/replay/{#offset | key}} one. The very code of the command line
 * ({@link DeadLetterCommand}, which the command line runs too), so both keep one record of what was replayed; its exit
 * status becomes the answer's: 0 is 200, 1 (nothing to replay by that name) 404.
 */
@Path("/api/dead-letters")
@RolesAllowed(ApiIdentities.ADMIN)
@Blocking
public class DeadLetterResource {
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response json() throws Exception {
        return run(MediaType.APPLICATION_JSON, "--json");
    }

    @GET
    @Produces(MediaType.TEXT_PLAIN)
    public Response table() throws Exception {
        return run(MediaType.TEXT_PLAIN);
    }

    @POST
    @Path("/replay")
    @Produces(MediaType.TEXT_PLAIN)
    public Response replayAll() throws Exception {
        return run(MediaType.TEXT_PLAIN, "replay");
    }

    @POST
    @Path("/replay/{id}")
    @Produces(MediaType.TEXT_PLAIN)
    public Response replay(@PathParam("id") String id) throws Exception {
        return run(MediaType.TEXT_PLAIN, "replay", id);
    }

    private Response run(String type, String... words) throws Exception {
        List<String> args = new ArrayList<>(List.of(bootstrap));
        List<String> flags = new ArrayList<>();
        for (String w : words) {
            (w.startsWith("--") ? flags : args).add(w);
        }
        args.addAll(flags);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = DeadLetterCommand.run(args.toArray(String[]::new), o, e);
        }
        if (status == 0) {
            return Response.ok(out.toString(StandardCharsets.UTF_8)).type(type).build();
        }
        return Response.status(status == 1 ? Response.Status.NOT_FOUND : Response.Status.BAD_REQUEST)
                .type(MediaType.APPLICATION_JSON)
                .entity(JsonNodeFactory.instance.objectNode().put("error", err.toString(StandardCharsets.UTF_8).trim()))
                .build();
    }
}
