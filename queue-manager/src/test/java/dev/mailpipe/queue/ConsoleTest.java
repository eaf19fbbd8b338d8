package dev.mailpipe.queue;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.kafka.LocalKafkaResource;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.MailEvent;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.Route;
import dev.mailpipe.model.Topics;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's console on queue-manager's API port: the page and its figures only behind the
 * administrator's login, the figures true to what the broker holds (a deferred message waits in
 * its tier, a delivered event counts in its minute), and the page as Debian's Chromium renders
 * it: the pipeline diagram, the chart, the deferred message with its actions.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@Tag("service")
class ConsoleTest {
    @TempDir
    Path tmp;

    private static String bootstrap() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    private static RequestSpecification admin() {
        return given().auth().preemptive().basic("admin", "test-admin-secret");
    }

    private static void send(org.apache.kafka.clients.producer.ProducerRecord<String, byte[]> r) throws Exception {
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap()),
                new StringSerializer(), new ByteArraySerializer())) {
            p.send(r).get();
        }
    }

    /** A message deferred to a far due time: it waits in mail.retry.1 while the test looks. */
    private static String deferLater(String domain) throws Exception {
        String id = "console-" + UUID.randomUUID();
        Route route = new Route(domain, List.of(new Route.MxHost("mx." + domain, 10, List.of("127.0.0.2"))),
                Instant.now().plusSeconds(3600));
        Envelope e = Envelope.received(id, Instant.now(), new Envelope.Client("127.0.0.1", "c.test", false, null), "s@client.test",
                List.of(Recipient.of("a@" + domain)), 10).withRoute(route).withAttempt(1, Instant.now(), Instant.now().plusSeconds(3600))
                .withText(Envelope.LAST_DEFERRAL, "451 4.3.0 <script>alert(1)</script> try later");
        send(MailRecords.record(Topics.RETRY_PREFIX + "1", domain, e, "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8)));
        return id;
    }

    @Test
    void thePageAndItsFiguresAreTheAdministratorsOnly() {
        given().get("/console").then().statusCode(401);
        given().get("/console/console.js").then().statusCode(401);
        given().get("/api/console").then().statusCode(401);
        given().auth().preemptive().basic("admin", "wrong").get("/api/console").then().statusCode(401);
        String page = admin().get("/console").then().statusCode(200).contentType(containsString("text/html")).extract().asString();
        assertTrue(page.matches("(?s).*/webjars/uplot/1\\.6\\.\\d+/dist/uPlot\\.iife\\.min\\.js.*"), "uPlot's path has its version: " + page);
        admin().get("/console/console.js").then().statusCode(200).contentType(containsString("javascript"));
        admin().get("/console/index.html.bak").then().statusCode(404);
        String script = page.replaceAll("(?s).*src=\"(/webjars/uplot/[^\"]+)\".*", "$1");
        given().get(script).then().statusCode(200).body(containsString("uPlot"));
    }

    @Test
    void theFiguresSayWhatWaitsAndWhatHappenedThisMinute() throws Exception {
        String id = deferLater("console-figures.test");
        send(MailEvent.of(id, "delivery-service", "delivered", "a@console-figures.test", "x").toRecord());
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String body = admin().get("/api/console").then().statusCode(200).extract().asString();
            JsonPath f = new JsonPath(body);
            List<Integer> waiting = f.getList("retryTiers.waiting", Integer.class);
            List<List<Integer>> counts = f.getList("minutes.counts");
            int delivered = f.getList("minutes.types", String.class).indexOf("delivered");
            assertTrue(waiting.get(0) >= 1 && counts.get(counts.size() - 1).get(delivered) >= 1,
                    f.getString("retryTiers") + " " + counts.get(counts.size() - 1));
        });
        JsonPath f = admin().get("/api/console").then().extract().jsonPath();
        assertEquals(List.of("content-filter", "routing-service", "routing-notices", "relay-service", "delivery-service"),
                f.getList("stages.stage", String.class));
        assertEquals(60, f.getList("minutes.start").size(), "a point per minute of the last hour");
        assertEquals(1, f.getInt("retryMembers"), "this queue manager reads the tiers");
        admin().accept("application/json").get("/api/queue").then().body("id", hasItem(id));
    }

    /**
     * The browser keeps the administrator's login for this origin: a form another site's page posts
     * here would carry it. A change that a browser says comes from elsewhere is refused; the page's
     * own requests and clients that are not browsers pass.
     */
    @Test
    void anotherSitesPageCannotChangeAnythingWithTheBrowsersLogin() {
        admin().header("Origin", "http://evil.test").post("/api/queue/flush").then().statusCode(403)
                .body("error", containsString("another site"));
        admin().header("Sec-Fetch-Site", "cross-site").post("/api/dead-letters/replay").then().statusCode(403);
        admin().header("Origin", "http://127.0.0.1:" + (RestAssured.port + 1)).delete("/api/queue/nothing").then().statusCode(403);
        admin().header("Origin", RestAssured.baseURI + ":" + RestAssured.port).header("Sec-Fetch-Site", "same-origin")
                .post("/api/queue/flush/nothing-here.test").then().statusCode(404);
        admin().post("/api/queue/flush/nothing-here.test").then().statusCode(404);
        admin().header("Origin", "http://evil.test").get("/api/console").then().statusCode(200);
    }

    @jakarta.inject.Inject
    io.micrometer.core.instrument.MeterRegistry registry;

    /**
     * The dashboard's dead-letter count is records, not offsets: a dead letter written in a
     * transaction, as the stages write them, moves the end offset by two and the count by one.
     */
    @Test
    void aDeadLetterWrittenInATransactionCountsOnce() throws Exception {
        var gauge = registry.get("mailpipe.dead.letters").gauge();
        await().atMost(Duration.ofSeconds(30)).until(() -> !Double.isNaN(gauge.value()));
        double before = gauge.value();
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap(),
                "transactional.id", "console-test-" + UUID.randomUUID()), new StringSerializer(), new ByteArraySerializer())) {
            p.initTransactions();
            p.beginTransaction();
            p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(Topics.DEAD_LETTER, "k", "unusable".getBytes(StandardCharsets.UTF_8)));
            p.commitTransaction();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> gauge.value() == before + 1);
        Thread.sleep(1500);
        assertEquals(before + 1, gauge.value(), "one record, whatever the marker's offset");
    }

    /** Debian's Chromium, headless, as the administrator: the page draws itself from the API. */
    @Test
    void chromiumRendersThePipelineTheChartAndTheDeferredMailAsText() throws Exception {
        String id = deferLater("console-page.test");
        await().atMost(Duration.ofSeconds(30)).until(() -> admin().accept("application/json").get("/api/queue").jsonPath()
                .getList("id").contains(id));
        String url = "http://admin:test-admin-secret@127.0.0.1:" + RestAssured.port + "/console";
        Path profile = Files.createDirectories(tmp.resolve("chromium"));
        Process p = new ProcessBuilder("/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--virtual-time-budget=8000", "--dump-dom", url)
                .redirectError(tmp.resolve("chromium.log").toFile()).start();
        String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "chromium ended");
        assertTrue(dom.contains("data-stage=\"routing-service\"") && dom.contains("data-stage=\"queue-manager\""),
                "the pipeline diagram: " + dom);
        assertTrue(dom.contains("class=\"uplot"), "uPlot drew the chart: " + dom);
        assertTrue(dom.contains(id) && dom.contains("flush console-page.test"), "the deferred message with its actions: " + dom);
        assertTrue(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "a reason from a peer is shown as text, not run");
        assertTrue(dom.contains("updated "), "the page says when it last heard from the API");
        admin().accept("application/json").get("/api/queue").then().body("id", hasItem(id));
        admin().delete("/api/queue/" + id).then().statusCode(200);
        admin().accept("application/json").get("/api/queue").then().body("id", not(hasItem(id)));
    }
}
