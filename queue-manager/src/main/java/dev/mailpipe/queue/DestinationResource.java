package dev.mailpipe.queue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailpipe.api.ApiIdentities;
import dev.mailpipe.model.DestinationAction;
import dev.mailpipe.model.PeerText;
import dev.mailpipe.runtime.DestinationActions;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The operator's actions on a destination (a recipient domain, or a site such as
 * {@code *.google.com}), as KumoMTA's admin suspend and bounce, for the administrator: {@code GET
 * /api/destinations} lists those in force; {@code POST /api/destinations/{destination}/suspend?for=1h&reason=}
 * holds its mail in the retry tiers with no connection; {@code POST .../bounce?for=5m&reason=}
 * returns its mail to the senders, what arrives meanwhile and what waits in the retry tiers (a
 * domain's deferred mail is flushed to the relay at once, which bounces it); {@code DELETE
 * /api/destinations/{destination}} resumes it (404 when no action is in force). Every relay
 * replica follows {@code mail.destinations}.
 */
@Path("/api/destinations")
@RolesAllowed(ApiIdentities.ADMIN)
@Blocking
@ApplicationScoped
public class DestinationResource {
    private static final int MAX_REASON = 200;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    @Inject
    QueueManager queue;

    private DestinationActions actions;

    @PostConstruct
    void start() {
        actions = new DestinationActions(kafka);
    }

    @PreDestroy
    void stop() throws InterruptedException {
        actions.close();
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response list() throws Exception {
        actions.awaitLoaded(Duration.ofSeconds(10));
        ArrayNode all = JsonNodeFactory.instance.arrayNode();
        ObjectMapper m = new ObjectMapper();
        for (DestinationAction a : actions.active(Instant.now())) {
            all.add(m.readTree(a.toJson()));
        }
        return Response.ok(all).build();
    }

    @POST
    @Path("/{destination}/suspend")
    @Produces(MediaType.APPLICATION_JSON)
    public Response suspend(@PathParam("destination") String destination, @QueryParam("for") @DefaultValue("1h") String duration,
            @QueryParam("reason") @DefaultValue("") String reason) throws Exception {
        return act(destination, DestinationAction.Kind.SUSPEND, duration, reason);
    }

    @POST
    @Path("/{destination}/bounce")
    @Produces(MediaType.APPLICATION_JSON)
    public Response bounce(@PathParam("destination") String destination, @QueryParam("for") @DefaultValue("5m") String duration,
            @QueryParam("reason") @DefaultValue("") String reason) throws Exception {
        if (reason.isBlank()) {
            return error(Response.Status.BAD_REQUEST, "a bounce needs a reason: the senders read it");
        }
        return act(destination, DestinationAction.Kind.BOUNCE, duration, reason);
    }

    @DELETE
    @Path("/{destination}")
    @Produces(MediaType.APPLICATION_JSON)
    public Response resume(@PathParam("destination") String destination) throws Exception {
        if (!valid(destination)) {
            return error(Response.Status.BAD_REQUEST, "not a domain or site");
        }
        actions.awaitLoaded(Duration.ofSeconds(10));
        Instant now = Instant.now();
        boolean found = actions.active(now).stream().anyMatch(a -> DestinationAction.key(a.destination()).equals(DestinationAction.key(destination)));
        if (!found) {
            return error(Response.Status.NOT_FOUND, "no action on " + DestinationAction.key(destination) + " is in force");
        }
        send(DestinationActions.resume(destination));
        return Response.ok(JsonNodeFactory.instance.objectNode().put("resumed", DestinationAction.key(destination))).build();
    }

    private Response act(String destination, DestinationAction.Kind kind, String duration, String reason) throws Exception {
        if (!valid(destination)) {
            return error(Response.Status.BAD_REQUEST, "not a domain or site");
        }
        Duration length;
        try {
            length = new DurationConverter().convert(duration);
        } catch (RuntimeException e) {
            length = null;
        }
        if (length == null || length.isNegative() || length.isZero() || length.compareTo(Duration.ofDays(365)) > 0) {
            return error(Response.Status.BAD_REQUEST, "for: a duration such as 30m, up to a year");
        }
        Instant now = Instant.now();
        String why = PeerText.oneLine(reason);
        DestinationAction action = new DestinationAction(DestinationAction.key(destination), kind,
                why.length() > MAX_REASON ? why.substring(0, MAX_REASON) : why, now, now.plus(length));
        send(DestinationActions.record(action));
        ObjectNode body = (ObjectNode) new ObjectMapper().readTree(action.toJson());
        if (kind == DestinationAction.Kind.BOUNCE && !destination.startsWith("*") && !destination.contains(",")) {
            // What already waits for the domain goes to the relay now, which bounces it.
            int flushed = queue.submit(new QueueCommand.Flush(DestinationAction.key(destination))).toCompletableFuture()
                    .get(60, TimeUnit.SECONDS).size();
            body.put("flushed", flushed);
        }
        return Response.ok(body).build();
    }

    /** A domain, a rollup {@code *.suffix}, or MX host names joined by commas: letters, digits, dots, dashes. */
    private static boolean valid(String destination) {
        return destination.length() <= 1000 && destination.matches("(\\*\\.)?[A-Za-z0-9.-]+(,[A-Za-z0-9.-]+)*");
    }

    private void send(ProducerRecord<String, byte[]> record) throws Exception {
        Map<String, Object> settings = dev.mailpipe.runtime.KafkaClients.producer(kafka);
        settings.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(settings, new StringSerializer(), new ByteArraySerializer())) {
            p.send(record).get(30, TimeUnit.SECONDS);
        }
    }

    private static Response error(Response.Status status, String why) {
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(JsonNodeFactory.instance.objectNode().put("error", why)).build();
    }
}
