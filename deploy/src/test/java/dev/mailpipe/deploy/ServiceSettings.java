package dev.mailpipe.deploy;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/** What a service's own application.properties says its consumer is: the truth the manifests must match. */
record ServiceSettings(String service, String groupId, String topic) {

    /** A stage's plain consumer: its group is a setting, its topic fixed in code. */
    static ServiceSettings of(String service, String groupKey, String topic) throws IOException {
        return new ServiceSettings(service, require(properties(service), groupKey), topic);
    }

    private static Properties properties(String service) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(Path.of("..", service, "src/main/resources/application.properties"))) {
            p.load(r);
        }
        return p;
    }

    private static String require(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null) {
            throw new AssertionError("no " + key);
        }
        return v;
    }
}
