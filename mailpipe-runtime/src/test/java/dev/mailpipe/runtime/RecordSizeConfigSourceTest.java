package dev.mailpipe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mailpipe.model.Topics;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class RecordSizeConfigSourceTest {
    @Test
    void everyKafkaByteLimitComesFromTheOneSizeLimit() {
        SmallRyeConfig config = new SmallRyeConfigBuilder().addDiscoveredSources().addDefaultSources().build();
        for (String key : new String[] {"kafka.max.request.size", "kafka.max.partition.fetch.bytes", "kafka.fetch.max.bytes"}) {
            assertEquals(Topics.MAX_RECORD_BYTES, config.getValue(key, Integer.class), key);
        }
        assertEquals(Topics.MAX_MESSAGE_BYTES + 2 * 1024 * 1024, Topics.MAX_RECORD_BYTES);
        assertEquals(String.valueOf(Topics.MAX_MESSAGE_BYTES), Topics.MAX_MESSAGE_BYTES_DEFAULT);
    }

    @Test
    void aServiceMayStillOverrideThem() {
        SmallRyeConfig config = new SmallRyeConfigBuilder().addDiscoveredSources()
                .withSources(new io.smallrye.config.PropertiesConfigSource(Map.of("kafka.fetch.max.bytes", "1024"), "app", 250))
                .build();
        assertEquals(1024, config.getValue("kafka.fetch.max.bytes", Integer.class));
    }
}
