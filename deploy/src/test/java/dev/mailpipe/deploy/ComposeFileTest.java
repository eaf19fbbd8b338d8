package dev.mailpipe.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mailpipe.model.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml as Debian's docker-compose reads it (no engine needed): valid, every image
 * built by it or pinned to a release, every file and directory it mounts or builds from in the
 * repository, every named volume declared, and the topics it creates the contract's.
 */
@Tag("unit")
class ComposeFileTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void composeAcceptsTheFileAndEverythingItNamesExists() throws Exception {
        JsonNode compose = Manifests.YAML.readTree(compose("config"));
        Set<String> declaredVolumes = new HashSet<>();
        compose.path("volumes").fieldNames().forEachRemaining(declaredVolumes::add);
        Set<String> services = new HashSet<>();
        compose.path("services").fieldNames().forEachRemaining(services::add);
        assertTrue(services.containsAll(Set.of("kafka", "topics", "smtp-ingress", "routing-service", "relay-service",
                "delivery-service", "queue-manager", "dovecot", "prometheus", "grafana")), services.toString());
        for (var entry : (Iterable<java.util.Map.Entry<String, JsonNode>>) compose.path("services")::fields) {
            String name = entry.getKey();
            JsonNode service = entry.getValue();
            String image = service.path("image").asText();
            if (service.has("build")) {
                Path context = Path.of(service.path("build").path("context").asText());
                assertTrue(Files.isDirectory(context), name + ": build context " + context);
                Path dockerfile = context.resolve(service.path("build").path("dockerfile").asText("Dockerfile"));
                assertTrue(Files.isRegularFile(dockerfile), name + ": " + dockerfile);
                for (String copied : copiedSources(dockerfile)) {
                    // target/quarkus-app comes from the Maven build the file's header names.
                    assertTrue(copied.startsWith("target/quarkus-app") || Files.exists(context.resolve(copied)),
                            name + ": " + dockerfile + " copies " + copied);
                }
            } else {
                assertTrue(image.matches("[a-z0-9./_-]+:v?[0-9][0-9.]*"), name + ": an image pinned to a release, not " + image);
            }
            for (JsonNode volume : service.path("volumes")) {
                String source = volume.isTextual() ? volume.asText().split(":")[0] : volume.path("source").asText();
                if (source.startsWith("/")) {
                    assertTrue(source.startsWith(ROOT.toString()) && Files.exists(Path.of(source)), name + " mounts " + source);
                } else {
                    assertTrue(declaredVolumes.contains(source), name + ": undeclared volume " + source);
                }
            }
        }
    }

    @Test
    void noDefaultSecretAndOnlyMailPortsFaceTheNetwork() throws Exception {
        // Without the administrator's password in the environment (.env) compose refuses to start.
        ProcessBuilder p = new ProcessBuilder("docker-compose", "-f", "docker-compose.yml", "config").directory(ROOT.toFile())
                .redirectErrorStream(true);
        p.environment().remove("MAILPIPE_API_ADMIN_PASSWORD");
        Process run = p.start();
        String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(run.waitFor(60, TimeUnit.SECONDS));
        assertTrue(run.exitValue() != 0 && out.contains("no administrator password"), out);

        JsonNode compose = Manifests.YAML.readTree(compose("config"));
        Set<Integer> mail = Set.of(2525, 2587, 143, 110);
        for (var entry : (Iterable<java.util.Map.Entry<String, JsonNode>>) compose.path("services")::fields) {
            for (JsonNode port : entry.getValue().path("ports")) {
                // Debian's docker-compose writes "127.0.0.1:8084:8080/tcp", or {published, target} without an address.
                String[] parts = port.isTextual() ? port.asText().replaceAll("/.*", "").split(":") : new String[0];
                int target = port.isTextual() ? Integer.parseInt(parts[parts.length - 1]) : port.path("target").asInt();
                String hostIp = port.isTextual() ? (parts.length == 3 ? parts[0] : "") : port.path("host_ip").asText("");
                assertTrue(mail.contains(target) || hostIp.equals("127.0.0.1"),
                        entry.getKey() + " publishes " + target + " on " + (hostIp.isEmpty() ? "every interface" : hostIp));
            }
            assertFalse(entry.getValue().path("environment").toString().contains("change-me"), entry.getKey());
        }
    }

    @Test
    void theTopicsItCreatesAreTheContracts() throws Exception {
        String script = Files.readString(ROOT.resolve("deploy/compose/create-topics.sh"));
        Set<String> created = Pattern.compile("^create (mail\\.[a-z.-]+) ", Pattern.MULTILINE).matcher(script).results()
                .map(m -> m.group(1)).collect(Collectors.toSet());
        var tiers = Pattern.compile("for tier in ([0-9a-z ]+); do").matcher(script).results().findFirst().orElseThrow().group(1);
        for (String tier : tiers.trim().split(" ")) {
            created.add(Topics.RETRY_PREFIX + tier);
        }
        created.remove("mail.retry.$tier");
        assertEquals(Topics.plan(3).stream().map(Topics.Spec::name).collect(Collectors.toSet()), created);
        assertTrue(script.contains("max.message.bytes=" + Topics.MAX_RECORD_BYTES), "the one size limit");
    }

    /** The sources of a Dockerfile's COPY lines (flags and the destination dropped). */
    private static List<String> copiedSources(Path dockerfile) throws Exception {
        return Files.readAllLines(dockerfile).stream().filter(l -> l.startsWith("COPY ")).flatMap(l -> {
            List<String> words = List.of(l.substring(5).trim().split("\\s+")).stream().filter(w -> !w.startsWith("--")).toList();
            return words.subList(0, words.size() - 1).stream().map(w -> w.replace("*.jar", ""));
        }).toList();
    }

    private static String compose(String command) throws Exception {
        ProcessBuilder b = new ProcessBuilder("docker-compose", "-f", "docker-compose.yml", command).directory(ROOT.toFile())
                .redirectError(ProcessBuilder.Redirect.PIPE);
        // What .env would hold: compose has no default for it.
        b.environment().put("MAILPIPE_API_ADMIN_PASSWORD", "test-only-password");
        Process p = b.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "docker-compose " + command);
        assertEquals(0, p.exitValue(), "docker-compose " + command + ": " + err);
        assertFalse(out.isBlank());
        return out;
    }
}
