package dev.mailpipe.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every Strimzi object of {@code deploy/} against the CRD that Strimzi's own {@code crd-generator}
 * writes from the {@code io.strimzi:api} classes the operator is built on, as the API server would
 * check it with strict field validation (kubectl's default): the types, enums, bounds and required
 * fields of the schema, and no field the schema does not name where it does not preserve unknown
 * fields. The generator is built for Java 21, so it runs in a child JVM of the newest JDK under
 * {@code /usr/lib/jvm} (or {@code MAILPIPE_JDK21_HOME}).
 */
@Tag("unit")
class StrimziCrdSchemaTest {
    /** The kinds deploy/ uses, with the api class each CRD is generated from. */
    private static final Map<String, String> KINDS = Map.of("Kafka", "io.strimzi.api.kafka.model.kafka.Kafka",
            "KafkaNodePool", "io.strimzi.api.kafka.model.nodepool.KafkaNodePool",
            "KafkaTopic", "io.strimzi.api.kafka.model.topic.KafkaTopic",
            "KafkaUser", "io.strimzi.api.kafka.model.user.KafkaUser");

    @TempDir
    static Path crds;

    private static final Map<String, JsonNode> SCHEMAS = new HashMap<>();

    @BeforeAll
    static void generate() throws Exception {
        // This class path (the api, Jackson, fabric8's model) and the generator, kept off it (deploy's pom copies it).
        String classpath = System.getProperty("java.class.path") + java.io.File.pathSeparator
                + Path.of("target", "crd-generator", "crd-generator.jar").toAbsolutePath();
        List<String> command = new ArrayList<>(List.of(jdk21().resolve("bin/java").toString(), "-cp",
                classpath, "io.strimzi.crdgenerator.CrdGenerator", "--yaml", "--api-versions", "v1",
                "--storage-version", "v1"));
        KINDS.forEach((kind, type) -> command.add(type + "=" + crds.resolve(kind + ".yaml")));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(crds.resolve("generator.log").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the CRD generator ended");
        assertEquals(0, p.exitValue(), Files.readString(crds.resolve("generator.log")));
        for (String kind : KINDS.keySet()) {
            JsonNode crd = Manifests.YAML.readTree(crds.resolve(kind + ".yaml").toFile());
            assertEquals(kind, crd.path("spec").path("names").path("kind").asText());
            for (JsonNode version : crd.path("spec").path("versions")) {
                SCHEMAS.put(kind + "/" + version.path("name").asText(), version.path("schema").path("openAPIV3Schema"));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void everyStrimziObjectMatchesTheGeneratedSchema(String overlay) throws Exception {
        Manifests m = Manifests.build(overlay);
        int checked = 0;
        List<String> errors = new ArrayList<>();
        for (JsonNode o : m.objects) {
            if (!StrimziModel.isStrimzi(o)) {
                continue;
            }
            errors.addAll(validate(o).stream().map(e -> overlay + " " + Manifests.name(o) + ": " + e).toList());
            checked++;
        }
        assertTrue(checked >= 20, "Kafka, its node pool, the topics and the users: " + checked);
        assertTrue(errors.isEmpty(), String.join("\n", errors));
    }

    /** The check can fail: a misspelt field, a wrong type and a value out of its enum are each caught. */
    @Test
    void aFieldTheSchemaDoesNotKnowAWrongTypeOrAnUnknownValueIsAnError() throws Exception {
        Manifests m = Manifests.build("dev");
        ObjectNode topic = m.ofKind("KafkaTopic").get(0).deepCopy();
        ((ObjectNode) topic.path("spec")).put("partitons", 3);
        assertTrue(validate(topic).stream().anyMatch(e -> e.contains("partitons")), validate(topic).toString());
        ObjectNode typed = m.ofKind("KafkaTopic").get(0).deepCopy();
        ((ObjectNode) typed.path("spec")).put("partitions", "three");
        assertFalse(validate(typed).isEmpty());
        ObjectNode user = m.ofKind("KafkaUser").get(0).deepCopy();
        ((ObjectNode) user.path("spec").path("authentication")).put("type", "password-please");
        assertFalse(validate(user).isEmpty());
        assertTrue(validate(m.ofKind("KafkaTopic").get(0)).isEmpty(), "the original is fine");
    }

    private static List<String> validate(JsonNode object) {
        String version = object.path("apiVersion").asText().replaceFirst(".*/", "");
        JsonNode schema = SCHEMAS.get(object.path("kind").asText() + "/" + version);
        if (schema == null) {
            return List.of("no CRD version " + version + " of " + object.path("kind").asText() + " in Strimzi's generator");
        }
        JsonSchema check = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(strict(schema.deepCopy()));
        Set<ValidationMessage> found = check.validate(object);
        return found.stream().map(ValidationMessage::getMessage).sorted().toList();
    }

    /**
     * The API server's strict field validation, in JSON Schema: an object schema that names its
     * properties and neither preserves unknown fields nor says what else it takes admits no other
     * field. {@code metadata} is the API server's, not the CRD's, and is left open.
     */
    private static JsonNode strict(JsonNode schema) {
        if (schema.isObject()) {
            ObjectNode o = (ObjectNode) schema;
            if (o.has("properties") && !o.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)
                    && !o.has("additionalProperties")) {
                o.put("additionalProperties", false);
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!(e.getKey().equals("metadata") && o.has("kind"))) {
                    strict(e.getValue());
                }
            }
        } else if (schema.isArray()) {
            schema.forEach(StrimziCrdSchemaTest::strict);
        }
        return schema;
    }

    /** A JDK of release 21 or newer: the generator's classes are Java 21's. */
    private static Path jdk21() throws IOException {
        String named = System.getenv("MAILPIPE_JDK21_HOME");
        if (named != null && !named.isBlank()) {
            return Path.of(named);
        }
        try (Stream<Path> jdks = Files.list(Path.of("/usr/lib/jvm"))) {
            return jdks.filter(j -> Files.isExecutable(j.resolve("bin/java")) && release(j) >= 21)
                    .max((a, b) -> Integer.compare(release(a), release(b)))
                    .orElseThrow(() -> new AssertionError("no JDK 21 or newer under /usr/lib/jvm for Strimzi's CRD generator"
                            + " (MAILPIPE_JDK21_HOME names one)"));
        }
    }

    private static int release(Path jdk) {
        try {
            for (String line : Files.readAllLines(jdk.resolve("release"))) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String v = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                    return Integer.parseInt(v.split("[.+-]")[0]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
