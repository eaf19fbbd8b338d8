package dev.mailpipe.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * KEDA's schema for ScaledObjects and TriggerAuthentications, and prometheus-operator's for
 * ServiceMonitors and PrometheusRules, as npm's {@code @kubernetes-models/keda} and
 * {@code /prometheus-operator} carry them (generated from the CRDs), run by Node: src/test/keda,
 * installed once into target/keda with {@code npm ci}.
 */
final class KedaSchema {
    private static final Path SOURCE = Path.of("src/test/keda");
    private static final Path INSTALLED = Path.of("target/keda");

    private KedaSchema() {
    }

    /** The validator's report; throws with it when any object is invalid. */
    static String validate(List<JsonNode> scaledObjects) throws IOException, InterruptedException {
        install();
        Process p = new ProcessBuilder("node", "validate.mjs").directory(INSTALLED.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().write(new ObjectMapper().writeValueAsBytes(scaledObjects));
        p.getOutputStream().close();
        String report = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("the operators' schemas refuse: " + report);
        }
        return report;
    }

    private static synchronized void install() throws IOException, InterruptedException {
        Files.createDirectories(INSTALLED);
        for (String f : List.of("package.json", "package-lock.json", "validate.mjs")) {
            Files.copy(SOURCE.resolve(f), INSTALLED.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        if (Files.isDirectory(INSTALLED.resolve("node_modules/@kubernetes-models/keda"))
                && Files.isDirectory(INSTALLED.resolve("node_modules/@kubernetes-models/prometheus-operator"))) {
            return;
        }
        Process p = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(INSTALLED.toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new AssertionError("npm ci of the KEDA schema failed: " + out);
        }
    }
}
