package dev.mailpipe.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard asks only what exists: every query is PromQL that Prometheus parses
 * (promtool, as recording rules), and every metric it reads is one the services register or one
 * the consumer-lag exporter publishes. And it has the panels operators need.
 */
@Tag("unit")
class DashboardTest {
    private static final Path DASHBOARD = Manifests.KUBERNETES.resolve("base/monitoring/mailpipe-dashboard.json");
    /** kafka_exporter's (and Strimzi's kafkaExporter's) series the dashboard and alerts use. */
    private static final Set<String> EXPORTER = Set.of("kafka_consumergroup_lag", "kafka_consumergroup_members",
            "kafka_topic_partition_current_offset");
    private static final Pattern METRIC = Pattern.compile("\\b((?:mailpipe|kafka)_[a-z_]+)\\b");

    @TempDir
    Path tmp;

    @Test
    void everyQueryParsesAndReadsAMetricThatExists() throws Exception {
        List<String> queries = queries();
        assertTrue(queries.size() >= 8, queries.toString());
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        for (int i = 0; i < queries.size(); i++) {
            rules.append("      - record: dashboard:query").append(i).append("\n        expr: ")
                    .append(new ObjectMapper().writeValueAsString(queries.get(i))).append('\n');
        }
        Path file = Files.writeString(tmp.resolve("dashboard-rules.yml"), rules);
        Process p = new ProcessBuilder("promtool", "check", "rules", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);

        String code = mainSources();
        for (String q : queries) {
            var metrics = METRIC.matcher(q).results().map(m -> m.group(1)).toList();
            assertFalse(metrics.isEmpty(), q);
            for (String metric : metrics) {
                if (metric.startsWith("kafka_")) {
                    assertTrue(EXPORTER.contains(metric), metric);
                } else {
                    String meter = metric.replaceAll("_(total|seconds_bucket|seconds_count|seconds_sum|bucket)$", "").replace('_', '.');
                    assertTrue(code.contains("\"" + meter + "\""), metric + ": no service registers " + meter);
                }
            }
        }
    }

    @Test
    void itShowsWhatAnOperatorWatches() throws Exception {
        String titles = panels().stream().map(p -> p.path("title").asText().toLowerCase()).collect(Collectors.joining("|"));
        for (String needed : List.of("lag", "throughput", "rejected", "relay outcomes", "retry", "dead letters", "latency")) {
            assertTrue(titles.contains(needed), "a panel for " + needed + ": " + titles);
        }
        String all = String.join("\n", queries());
        assertTrue(all.contains("partition") && all.contains("consumergroup") && all.contains("topic"),
                "lag per group, topic and partition");
    }

    private List<JsonNode> panels() throws Exception {
        List<JsonNode> panels = new ArrayList<>();
        new ObjectMapper().readTree(DASHBOARD.toFile()).path("panels").forEach(panels::add);
        return panels;
    }

    private List<String> queries() throws Exception {
        List<String> queries = new ArrayList<>();
        for (JsonNode panel : panels()) {
            panel.path("targets").forEach(t -> queries.add(t.path("expr").asText()));
        }
        return queries;
    }

    /** Every service's main Java sources, where meters are registered by name. */
    private static String mainSources() throws Exception {
        StringBuilder all = new StringBuilder();
        for (String module : List.of("smtp-ingress", "routing-service", "relay-service", "delivery-service", "queue-manager",
                "mailpipe-model", "mailpipe-runtime")) {
            try (Stream<Path> files = Files.walk(Path.of("..", module, "src/main/java"))) {
                for (Path f : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    all.append(Files.readString(f));
                }
            }
        }
        return all.toString();
    }
}
