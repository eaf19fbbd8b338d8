package dev.mailpipe.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailpipe.peers.ChildProcess;
import dev.mailpipe.peers.Loopback;
import dev.mailpipe.peers.SmtpSink;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus (Debian's) on loopback scrapes every running service's management port, with
 * mailpipe's alert rules loaded, and each dashboard query over the services' own metrics returns
 * data once mail has been accepted, rejected, relayed and delivered; the lag panels too, from the
 * queue manager's lag collector, which publishes kafka_exporter's names.
 */
@ExtendWith(SharedPipeline.class)
@Tag("e2e")
class DashboardQueriesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The launcher's services, each with a management port: ingress, routing, relay, delivery, queue-manager. */
    private static final int SERVICES = 5;
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    @Test
    void aRealPrometheusScrapesEveryServiceAndTheDashboardsQueriesReturnData() throws Exception {
        dev.mailpipe.peers.DebianPeers.require("promtool"); // the prometheus package: server and promtool
        Pipeline p = SharedPipeline.get().pipeline;
        Path repo = Loopback.repoRoot();
        int port = Loopback.freePort();
        String targets = IntStream.rangeClosed(1, SERVICES).mapToObj(i -> "'127.0.0.1:" + (p.httpBase + 15 + i) + "'")
                .collect(Collectors.joining(", "));
        Path config = Files.writeString(tmp.resolve("prometheus.yml"), """
                global:
                  scrape_interval: 2s
                  scrape_timeout: 2s
                  evaluation_interval: 1s
                rule_files:
                  - %s
                scrape_configs:
                  - job_name: mailpipe
                    metrics_path: /q/metrics
                    static_configs:
                      - targets: [%s]
                """.formatted(repo.resolve("deploy/monitoring/alerts.yml"), targets));
        try (ChildProcess prometheus = ChildProcess.start("prometheus", List.of("prometheus", "--config.file=" + config,
                "--storage.tsdb.path=" + tmp.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port), tmp, Map.of(),
                tmp.resolve("prometheus.log"));
                SmtpSink mx = SmtpSink.start("127.0.0.2", SharedPipeline.get().smtpPort, tmp.resolve("mx"), "accept")) {
            String api = "http://127.0.0.1:" + port + "/api/v1/";
            // Every target up at once. Two minutes: a test before this one may have crashed a
            // service on purpose, and the launcher's supervisor restarts one that died twice within
            // a minute after a backoff.
            try {
                await().atMost(Duration.ofSeconds(120)).ignoreExceptions()
                        .until(() -> query(api, "sum(up{job=\"mailpipe\"})").path(0).path("value").path(1).asText()
                                .equals(String.valueOf(SERVICES)));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                fail("not every service is scraped: " + get(api + "targets").path("data").path("activeTargets"), e);
            }
            JsonNode rules = get(api + "rules");
            assertTrue(rules.toString().contains("MailpipeStageWithoutMembers"), "the alert rules load: " + rules);

            p.createMailbox("dana@example.test");
            Path msg = Swaks.message(tmp, "m.eml", "From: ops@y.test", "To: dana@example.test", "Subject: watched", "", "z");
            for (int i = 0; i < 3; i++) {
                assertTrue(Swaks.send(p.smtpPort, "ops@y.test", List.of("dana@example.test"), msg).contains("250 2.0.0"));
                assertTrue(Swaks.send(p.smtpPort, "ops@y.test", List.of("someone@remote.test"), msg).contains("250 2.0.0"));
                String refused = Swaks.send(p.smtpPort, "ops@y.test", List.of("nobody-here@example.test"), msg);
                assertTrue(refused.contains("550 5.1.1"), refused);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> mx.messages().size() >= 3);

            List<String> missing = new ArrayList<>();
            for (String q : dashboardQueries(repo)) {
                try {
                    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> hasData(query(api, q)));
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    missing.add(q + " -> " + query(api, q));
                }
            }
            assertTrue(missing.isEmpty(), "dashboard queries without data: " + missing);

            // The panels say what the situation is. A stopped stage: its lag grows by what waits
            // for it, and drains once it runs again.
            String lagPanel = panelQuery(repo, "Consumer lag per group, topic and partition");
            Pipeline.Answer stopped = p.launcher("scale", "delivery-service", "0");
            assertTrue(stopped.exitCode() == 0, stopped.output());
            try {
                for (int i = 0; i < 4; i++) {
                    assertTrue(Swaks.send(p.smtpPort, "ops@y.test", List.of("dana@example.test"), msg).contains("250 2.0.0"));
                }
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> sumOf(query(api, lagPanel), "delivery-service", "mail.delivery") >= 4);
            } finally {
                p.launcher("scale", "delivery-service", "1");
            }
            await().atMost(Duration.ofSeconds(120)).ignoreExceptions()
                    .until(() -> sumOf(query(api, lagPanel), "delivery-service", "mail.delivery") == 0);

            // Deferred mail: the retry-tier panel counts it while it waits (deadend's MX never
            // answers; the shared pipeline retries every 2 s, so the panel is read over the minute).
            assertTrue(Swaks.send(p.smtpPort, "ops@y.test", List.of("z@deadend.remote.test"), msg).contains("250 2.0.0"));
            String tiers = panelQuery(repo, "Retry tiers: deferred messages waiting");
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> value(query(api, "max_over_time(sum(" + tiers + ")[1m:1s])")) >= 1);

            // A record routing cannot read is a dead letter: the panel counts one more.
            String deadPanel = panelQuery(repo, "Dead letters (records in mail.dead-letter)");
            double deadBefore = value(query(api, deadPanel));
            try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, byte[]>(Map.of("bootstrap.servers",
                    p.bootstrapServers()), new org.apache.kafka.common.serialization.StringSerializer(),
                    new org.apache.kafka.common.serialization.ByteArraySerializer())) {
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("mail.inbound", "no-envelope",
                        "not a mail record".getBytes(StandardCharsets.UTF_8))).get();
            }
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> value(query(api, deadPanel)) == deadBefore + 1);
        }
    }

    /**
     * The sum of the panel's series for one group on one topic (its partitions). A partition the
     * group never committed on shows -1, kafka_exporter's mark for "no commit", not a lag: left out.
     */
    private static double sumOf(JsonNode result, String group, String topic) {
        double sum = 0;
        for (JsonNode series : result) {
            if (series.path("metric").path("consumergroup").asText().equals(group) && series.path("metric").path("topic").asText().equals(topic)) {
                sum += Math.max(0, Double.parseDouble(series.path("value").path(1).asText()));
            }
        }
        return sum;
    }

    /** The single value of an instant query's answer (NaN when it has none). */
    private static double value(JsonNode result) {
        return result.isEmpty() ? Double.NaN : Double.parseDouble(result.path(0).path("value").path(1).asText());
    }

    /** The first query of the dashboard's panel with this title. */
    private static String panelQuery(Path repo, String title) throws Exception {
        JsonNode dashboard = JSON.readTree(repo.resolve("deploy/kubernetes/base/monitoring/mailpipe-dashboard.json").toFile());
        for (JsonNode panel : dashboard.path("panels")) {
            if (panel.path("title").asText().equals(title)) {
                return panel.path("targets").path(0).path("expr").asText();
            }
        }
        throw new AssertionError("no panel " + title);
    }

    private static boolean hasData(JsonNode result) {
        for (JsonNode series : result) {
            String v = series.path("value").path(1).asText();
            if (!v.equals("NaN") && !v.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    private JsonNode query(String api, String promql) throws Exception {
        JsonNode answer = get(api + "query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        return answer.path("data").path("result");
    }

    private JsonNode get(String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    private static List<String> dashboardQueries(Path repo) throws Exception {
        List<String> out = new ArrayList<>();
        JsonNode dashboard = JSON.readTree(repo.resolve("deploy/kubernetes/base/monitoring/mailpipe-dashboard.json").toFile());
        for (JsonNode panel : dashboard.path("panels")) {
            panel.path("targets").forEach(t -> out.add(t.path("expr").asText()));
        }
        return out;
    }
}
