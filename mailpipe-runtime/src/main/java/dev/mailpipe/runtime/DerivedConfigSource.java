package dev.mailpipe.runtime;

import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Settings computed from one constant in the code instead of copied into properties files by
 * hand. Ordinal 100, as the model's {@code microprofile-config.properties}: a service's
 * {@code application.properties} and the environment still override them.
 */
abstract class DerivedConfigSource implements ConfigSource {
    private final String name;
    private final Map<String, String> values;

    DerivedConfigSource(String name, Map<String, String> values) {
        this.name = name;
        this.values = Map.copyOf(values);
    }

    @Override
    public Set<String> getPropertyNames() {
        return values.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return values.get(propertyName);
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public int getOrdinal() {
        return 100;
    }
}
