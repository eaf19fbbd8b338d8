package dev.mailpipe.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The topics a service's code names: every {@code Topics.X} in its own sources, and in the classes of
 * mailpipe-model and mailpipe-runtime those sources use (and those use, and so on), comments and imports left out. A
 * retry tier stands as the prefix {@code mail.retry.}. What the KafkaUser of a service must allow,
 * and all it may.
 */
final class TopicsInCode {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path MODEL = ROOT.resolve("mailpipe-model/src/main/java/dev/mailpipe/model");
    /** The shared code every service may use: the contract and the runtime. */
    private static final List<Path> SHARED = List.of(ROOT.resolve("mailpipe-model/src/main/java"),
            ROOT.resolve("mailpipe-runtime/src/main/java"));
    private static final Pattern CONSTANT = Pattern.compile("public static final String ([A-Z_]+) = \"(mail\\.[a-z.-]*)\"");
    private static final Pattern USE = Pattern.compile("Topics\\.([A-Z_]+)");

    private TopicsInCode() {
    }

    static Set<String> of(String module) throws IOException {
        Map<String, String> names = new HashMap<>();
        Matcher c = CONSTANT.matcher(Files.readString(MODEL.resolve("Topics.java")));
        while (c.find()) {
            names.put(c.group(1), c.group(2));
        }
        names.put("RETRY_TIERS", names.get("RETRY_PREFIX"));
        Map<String, String> model = new HashMap<>();
        for (Path shared : SHARED) {
            try (Stream<Path> files = Files.walk(shared)) {
                for (Path p : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    String cls = p.getFileName().toString().replace(".java", "");
                    if (!cls.equals("Topics")) {
                        model.put(cls, code(Files.readString(p)));
                    }
                }
            }
        }
        Deque<String> todo = new ArrayDeque<>();
        try (Stream<Path> files = Files.walk(ROOT.resolve(module).resolve("src/main/java"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                todo.add(code(Files.readString(p)));
            }
        }
        Set<String> seen = new HashSet<>();
        Set<String> topics = new TreeSet<>();
        while (!todo.isEmpty()) {
            String text = todo.poll();
            Matcher m = USE.matcher(text);
            while (m.find()) {
                String topic = names.get(m.group(1));
                if (topic != null) {
                    topics.add(topic);
                }
            }
            for (var e : model.entrySet()) {
                if (!seen.contains(e.getKey()) && Pattern.compile("\\b" + e.getKey() + "\\b").matcher(text).find()) {
                    seen.add(e.getKey());
                    todo.add(e.getValue());
                }
            }
        }
        return topics;
    }

    /** Java source without its comments and imports: what the code says, not what it mentions. */
    private static String code(String source) {
        return source.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ").replaceAll("(?m)^import [^;]*;", " ");
    }
}
