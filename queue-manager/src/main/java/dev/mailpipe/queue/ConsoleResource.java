package dev.mailpipe.queue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailpipe.api.ApiIdentities;
import dev.mailpipe.model.Topics;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * The operator's console: a page on queue-manager's API port, behind the administrator's login
 * like the rest of the API, that shows what {@code ./mailpipe status} shows and more, live (it
 * polls every few seconds): the pipeline as a diagram with each stage's replicas, lag and rate;
 * accepted, delivered, relayed, deferred and bounced per minute over the last hour (uPlot, from its
 * WebJar); the deferred mail with flush and drop, the dead letters with replay, the destinations
 * held back, and a trace search. The page's own files are served here, not as public static files,
 * so nothing of it is seen without the login; {@code /api/console} is the figures it draws.
 */
@Path("/")
@RolesAllowed(ApiIdentities.ADMIN)
@Blocking
public class ConsoleResource {
    /** The consuming stages as the diagram shows them: name, group, input topic. */
    static final List<String[]> STAGES = List.of(new String[] {"content-filter", "content-filter", Topics.SCAN},
            new String[] {"routing-service", "routing-service", Topics.INBOUND},
            new String[] {"routing-notices", "routing-notices", Topics.NOTICES},
            new String[] {"relay-service", "relay-service", Topics.RELAY},
            new String[] {"delivery-service", "delivery-service", Topics.DELIVERY});
    private static final Map<String, String> FILES = Map.of("console.js", "text/javascript; charset=utf-8",
            "console.css", "text/css; charset=utf-8");

    private final LagCollector lags;
    private final TraceIndex events;
    private final QueueConfig config;

    ConsoleResource(LagCollector lags, TraceIndex events, QueueConfig config) {
        this.lags = lags;
        this.events = events;
        this.config = config;
    }

    @GET
    @Path("console")
    @Produces(MediaType.TEXT_HTML)
    public Response page() throws IOException {
        String html = new String(file("index.html"), java.nio.charset.StandardCharsets.UTF_8).replace("${uplot}", UPLOT);
        return Response.ok(html).header("Cache-Control", "no-store").build();
    }

    /** The uPlot WebJar's version, from its own pom.properties: the page's script path follows the dependency. */
    private static final String UPLOT = webjarVersion("org.webjars.npm", "uplot");

    private static String webjarVersion(String group, String artifact) {
        try (InputStream in = ConsoleResource.class.getResourceAsStream("/META-INF/maven/" + group + "/" + artifact + "/pom.properties")) {
            java.util.Properties p = new java.util.Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "missing");
        } catch (IOException e) {
            return "missing";
        }
    }

    @GET
    @Path("console/{file}")
    public Response asset(@PathParam("file") String name) throws IOException {
        String type = FILES.get(name);
        if (type == null) {
            throw new NotFoundException();
        }
        return Response.ok(file(name), type).header("Cache-Control", "no-store").build();
    }

    /**
     * The figures the page draws: each stage's members, lag and rate (records a second its group
     * committed between the collector's last two readings); what waits in each retry tier; events
     * per minute over the last hour.
     */
    @GET
    @Path("api/console")
    @Produces(MediaType.APPLICATION_JSON)
    public Response figures() throws Exception {
        long now = System.currentTimeMillis();
        LagCollector.Reading r = lags.reading();
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("at", java.time.Instant.ofEpochMilli(now).toString());
        ArrayNode stages = root.putArray("stages");
        for (String[] s : STAGES) {
            stages.addObject().put("stage", s[0]).put("group", s[1]).put("topic", s[2])
                    .put("members", r.members(s[1])).put("lag", r.lag(s[1], s[2])).put("perSecond", r.perSecond(s[1], s[2]));
        }
        ArrayNode tiers = root.putArray("retryTiers");
        for (String tier : Topics.RETRY_TIERS) {
            String topic = Topics.RETRY_PREFIX + tier;
            tiers.addObject().put("topic", topic).put("waiting", r.lag(config.group(), topic));
        }
        root.put("retryMembers", r.members(config.group()));
        ObjectNode minutes = root.putObject("minutes");
        ArrayNode types = minutes.putArray("types");
        EventMinutes.TYPES.forEach(types::add);
        ArrayNode start = minutes.putArray("start");
        ArrayNode counts = minutes.putArray("counts");
        for (EventMinutes.Minute m : events.minutes().lastHour(now)) {
            start.add(m.startMillis() / 1000);
            ArrayNode row = counts.addArray();
            for (long c : m.counts()) {
                row.add(c);
            }
        }
        return Response.ok(root).header("Cache-Control", "no-store").build();
    }

    private static byte[] file(String name) throws IOException {
        try (InputStream in = ConsoleResource.class.getResourceAsStream("/console/" + name)) {
            if (in == null) {
                throw new NotFoundException();
            }
            return in.readAllBytes();
        }
    }
}
