package dev.mailpipe.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strimzi.api.kafka.model.common.UnknownPropertyPreserving;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Strimzi's objects read through Strimzi's own typed model ({@code io.strimzi:api}). Its classes keep
 * what they do not know in {@code additionalProperties} instead of failing, so a misspelt or
 * misplaced field would pass a plain parse: every such map in the whole object graph must be empty.
 */
final class StrimziModel {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Class<?>> KINDS = Map.of("Kafka", Kafka.class, "KafkaNodePool", KafkaNodePool.class,
            "KafkaTopic", KafkaTopic.class, "KafkaUser", io.strimzi.api.kafka.model.user.KafkaUser.class);

    private StrimziModel() {
    }

    static boolean isStrimzi(JsonNode object) {
        return object.path("apiVersion").asText().startsWith("kafka.strimzi.io/");
    }

    /** The typed object; fails on a kind the model lacks, a wrong type, or any field it does not know. */
    static Object parse(JsonNode object) throws Exception {
        Class<?> type = KINDS.get(object.path("kind").asText());
        if (type == null) {
            throw new AssertionError("no Strimzi model for " + Manifests.name(object));
        }
        Object typed = JSON.treeToValue(object, type);
        List<String> unknown = new ArrayList<>();
        walk(typed, Manifests.name(object), unknown, new IdentityHashMap<>());
        if (!unknown.isEmpty()) {
            throw new AssertionError("fields Strimzi's model does not know: " + unknown);
        }
        return typed;
    }

    private static void walk(Object o, String path, List<String> unknown, IdentityHashMap<Object, Boolean> seen)
            throws Exception {
        if (o == null || seen.put(o, Boolean.TRUE) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                walk(e, path + "[" + i++ + "]", unknown, seen);
            }
            return;
        }
        if (!o.getClass().getName().startsWith("io.strimzi.")) {
            return;
        }
        if (o instanceof UnknownPropertyPreserving u && u.getAdditionalProperties() != null
                && !u.getAdditionalProperties().isEmpty()) {
            unknown.add(path + " " + u.getAdditionalProperties().keySet());
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() == 0 && m.getName().startsWith("get") && !Modifier.isStatic(m.getModifiers())
                    && !m.getName().equals("getAdditionalProperties") && !m.getName().equals("getClass")) {
                walk(m.invoke(o), path + "." + m.getName().substring(3), unknown, seen);
            }
        }
    }
}
