package dev.mailpipe.peers;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The README's configuration table checked against the code: every {@code @ConfigMapping}
 * property named there exists, and the default the table gives is the {@code @WithDefault} of the
 * code. Read by reflection (SmallRye's names: kebab-case, {@code @WithName}, nested groups), so it
 * needs no SmallRye on its own classpath.
 */
public final class ConfigDocs {
    private static final Pattern TICKED = Pattern.compile("`([^`]*)`");

    private ConfigDocs() {
    }

    /** Every property of {@code mapping}: its full name, and its default ({@code null} for none). */
    public static Map<String, String> properties(Class<?> mapping) {
        String prefix = (String) value(annotation(mapping, "io.smallrye.config.ConfigMapping"), "prefix");
        Map<String, String> out = new LinkedHashMap<>();
        collect(mapping, prefix, out);
        return out;
    }

    private static void collect(Class<?> type, String prefix, Map<String, String> out) {
        for (Method m : type.getMethods()) {
            if (m.getParameterCount() > 0 || m.isDefault() || java.lang.reflect.Modifier.isStatic(m.getModifiers())
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Annotation named = annotation(m, "io.smallrye.config.WithName");
            boolean parent = annotation(m, "io.smallrye.config.WithParentName") != null;
            String name = parent ? prefix : prefix + "." + (named != null ? (String) value(named, "value") : kebab(m.getName()));
            Class<?> group = group(m.getGenericReturnType());
            if (group != null) {
                collect(group, name, out);
                continue;
            }
            Annotation def = annotation(m, "io.smallrye.config.WithDefault");
            out.put(name, def == null ? null : (String) value(def, "value"));
        }
    }

    /** The interface a property group is, or null for a leaf (Optional of a group is a group too). */
    private static Class<?> group(Type t) {
        if (t instanceof ParameterizedType p && p.getRawType() == java.util.Optional.class) {
            t = p.getActualTypeArguments()[0];
        }
        return t instanceof Class<?> c && c.isInterface() && !c.getName().startsWith("java.") ? c : null;
    }

    /**
     * The README's configuration rows: {@code | `a.b.c` / `.d` | `1` / `2` | ... |}, sibling keys
     * written after the first with or without their dot; one default per key, or one for all.
     */
    public static Map<String, String> documented(Path readme) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        boolean inTable = false;
        for (String line : Files.readAllLines(readme)) {
            if (line.startsWith("## ")) {
                inTable = line.startsWith("## Configuration");
                continue;
            }
            if (!inTable || !line.startsWith("| `")) {
                continue;
            }
            String[] cells = line.split("(?<!\\\\)\\|", -1);
            List<String> keys = new ArrayList<>();
            String first = null;
            for (String k : cells[1].split(" / ")) {
                Matcher m = TICKED.matcher(k);
                if (!m.find()) {
                    continue;
                }
                String key = m.group(1);
                if (first == null) {
                    first = key;
                } else if (!key.startsWith(first.substring(0, first.indexOf('.')) + ".")) {
                    key = first.substring(0, first.lastIndexOf('.') + 1) + (key.startsWith(".") ? key.substring(1) : key);
                }
                keys.add(key);
            }
            String[] defaults = cells[2].trim().split(" / ");
            for (int i = 0; i < keys.size(); i++) {
                out.put(keys.get(i), defaults.length == keys.size() ? defaults[i].trim() : cells[2].trim());
            }
        }
        return out;
    }

    /**
     * What is wrong between {@code readme} and {@code mappings}: each documented key under one of the
     * mappings' prefixes that the code does not have, and each documented default that is not the
     * code's. Empty when they agree.
     */
    public static List<String> drift(Path readme, Class<?>... mappings) throws IOException {
        Map<String, String> code = new LinkedHashMap<>();
        List<String> prefixes = new ArrayList<>();
        for (Class<?> m : mappings) {
            code.putAll(properties(m));
            prefixes.add((String) value(annotation(m, "io.smallrye.config.ConfigMapping"), "prefix") + ".");
        }
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, String> doc : documented(readme).entrySet()) {
            String key = doc.getKey();
            if (prefixes.stream().noneMatch(key::startsWith)) {
                continue; // another module's
            }
            if (!code.containsKey(key)) {
                // A documented group name stands for its members (mailpipe.ingress.proxy.trusted-networks is one).
                if (code.keySet().stream().noneMatch(k -> k.startsWith(key + "."))) {
                    wrong.add(key + ": documented, but no such property");
                }
                continue;
            }
            String def = code.get(key);
            Matcher ticked = TICKED.matcher(doc.getValue());
            String shown = ticked.find() ? ticked.group(1) : null;
            if (def != null && !def.equals(shown)) {
                wrong.add(key + ": the README says " + doc.getValue() + ", the code's default is " + def);
            } else if (def == null && shown != null && !doc.getValue().startsWith("(")) {
                wrong.add(key + ": the README gives `" + shown + "`, the code has no default");
            }
        }
        return wrong;
    }

    /** The properties of {@code mappings} the README's table does not name. */
    public static List<String> undocumented(Path readme, Class<?>... mappings) throws IOException {
        Map<String, String> doc = documented(readme);
        List<String> missing = new ArrayList<>();
        for (Class<?> m : mappings) {
            for (String key : properties(m).keySet()) {
                if (!doc.containsKey(key) && doc.keySet().stream().noneMatch(d -> key.startsWith(d + "."))) {
                    missing.add(key);
                }
            }
        }
        return missing;
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }

    private static Annotation annotation(java.lang.reflect.AnnotatedElement e, String type) {
        for (Annotation a : e.getAnnotations()) {
            if (a.annotationType().getName().equals(type)) {
                return a;
            }
        }
        return null;
    }

    private static Object value(Annotation a, String attribute) {
        try {
            return a.annotationType().getMethod(attribute).invoke(a);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
