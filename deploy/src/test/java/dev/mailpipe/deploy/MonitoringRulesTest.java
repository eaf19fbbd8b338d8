package dev.mailpipe.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The alert rules pass Prometheus's own checks, each fires in promtool's tests, and both copies agree. */
@Tag("unit")
class MonitoringRulesTest {
    private static final Path MONITORING = Path.of("monitoring");

    @Test
    void promtoolAcceptsTheRulesAndEveryAlertFiresInItsTest() throws Exception {
        String check = promtool("check", "rules", "alerts.yml");
        assertTrue(check.contains("SUCCESS: 4 rules found"), check);
        String tests = promtool("test", "rules", "alerts-test.yml");
        assertTrue(tests.contains("SUCCESS"), tests);
        String testFile = Files.readString(MONITORING.resolve("alerts-test.yml"));
        for (JsonNode rule : Manifests.YAML.readTree(MONITORING.resolve("alerts.yml").toFile()).path("groups").path(0).path("rules")) {
            String alert = rule.path("alert").asText();
            assertTrue(testFile.contains("alertname: " + alert + "\n        exp_alerts:\n          - exp_labels"),
                    alert + " has a test in which it fires");
        }
    }

    @Test
    void thePrometheusRuleCarriesTheSameGroupsAsThePlainRulesFile() throws Exception {
        JsonNode plain = Manifests.YAML.readTree(MONITORING.resolve("alerts.yml").toFile());
        JsonNode rule = Manifests.YAML.readTree(Manifests.KUBERNETES.resolve("base/monitoring/prometheus-rule.yaml").toFile());
        assertEquals("PrometheusRule", rule.path("kind").asText());
        assertEquals(plain.path("groups"), rule.path("spec").path("groups"));
    }

    private static String promtool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("promtool"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(MONITORING.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool " + String.join(" ", args) + " did not finish");
        assertEquals(0, p.exitValue(), "promtool " + String.join(" ", args) + ":\n" + out);
        return out;
    }
}
