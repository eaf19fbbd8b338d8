package dev.mailpipe.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class TlsPolicyConfigSourceTest {
    @Test
    void quarkusTlsGetsTheOnePolicy() {
        SmallRyeConfig config = new SmallRyeConfigBuilder().addDiscoveredSources().build();
        assertEquals("TLSv1.3,TLSv1.2", config.getValue("quarkus.tls.protocols", String.class));
        assertEquals(TlsPolicy.CIPHER_SUITES, List.of(config.getValue("quarkus.tls.cipher-suites", String.class).split(",")));
    }
}
