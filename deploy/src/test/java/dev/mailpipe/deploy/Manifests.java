package dev.mailpipe.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** One overlay as {@code kubectl kustomize} builds it: every object, in order. */
final class Manifests {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** The module's directory is the working directory of its tests. */
    static final Path KUBERNETES = Path.of("kubernetes");

    final String overlay;
    final List<JsonNode> objects;

    private Manifests(String overlay, List<JsonNode> objects) {
        this.overlay = overlay;
        this.objects = objects;
    }

    static Manifests build(String overlay) throws IOException, InterruptedException {
        Path dir = KUBERNETES.resolve("overlays").resolve(overlay);
        Process p = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectError(ProcessBuilder.Redirect.PIPE).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("kubectl kustomize " + dir + " failed: " + err);
        }
        return new Manifests(overlay, readAll(new String(out, StandardCharsets.UTF_8)));
    }

    static List<JsonNode> readAll(String yaml) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (YAMLParser parser = new YAMLFactory().createParser(yaml)) {
            for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext();) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isEmpty()) {
                    docs.add(doc);
                }
            }
        }
        return docs;
    }

    List<JsonNode> ofKind(String kind) {
        return objects.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
    }

    Optional<JsonNode> find(String kind, String name) {
        return ofKind(kind).stream().filter(o -> o.path("metadata").path("name").asText().equals(name)).findFirst();
    }

    JsonNode get(String kind, String name) {
        return find(kind, name).orElseThrow(() -> new AssertionError(overlay + " has no " + kind + " " + name));
    }

    static String name(JsonNode object) {
        return object.path("kind").asText() + " " + object.path("metadata").path("name").asText();
    }
}
