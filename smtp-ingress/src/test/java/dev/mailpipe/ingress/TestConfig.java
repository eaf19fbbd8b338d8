package dev.mailpipe.ingress;

import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;

/** A {@code @ConfigMapping} as Quarkus would make it (its defaults, durations as {@code 10s}), outside Quarkus. */
final class TestConfig {
    private TestConfig() {
    }

    /** {@code mapping} with its defaults and {@code values} (full property names) over them. */
    static <T> T of(Class<T> mapping, Map<String, String> values) {
        SmallRyeConfigBuilder b = new SmallRyeConfigBuilder().withMapping(mapping)
                .withConverter(java.time.Duration.class, 200, new io.quarkus.runtime.configuration.DurationConverter());
        values.forEach(b::withDefaultValue);
        return b.build().getConfigMapping(mapping);
    }
}
