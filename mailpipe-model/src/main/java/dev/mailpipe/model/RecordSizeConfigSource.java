package dev.mailpipe.model;

import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * The Kafka clients' byte limits, all from the one size limit ({@link Topics#MAX_RECORD_BYTES}), so
 * that no figure is kept equal to another by hand. Ordinal 100, as the model's
 * {@code microprofile-config.properties}: a service's {@code application.properties} and the
 * environment still override them.
 */
public final class RecordSizeConfigSource implements ConfigSource {
    private static final String LIMIT = String.valueOf(Topics.MAX_RECORD_BYTES);
    private static final Map<String, String> VALUES = Map.of(
            "kafka.max.request.size", LIMIT,
            "kafka.max.partition.fetch.bytes", LIMIT,
            "kafka.fetch.max.bytes", LIMIT);

    @Override
    public Set<String> getPropertyNames() {
        return VALUES.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return VALUES.get(propertyName);
    }

    @Override
    public String getName() {
        return "mailpipe record size (Topics.MAX_RECORD_BYTES)";
    }

    @Override
    public int getOrdinal() {
        return 100;
    }
}
