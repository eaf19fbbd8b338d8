package dev.mailpipe.relay;

import dev.mailpipe.peers.ConfigDocs;
import dev.mailpipe.peers.Loopback;
import dev.mailpipe.relay.dkim.DkimConfig;
import dev.mailpipe.relay.tls.DaneConfig;
import dev.mailpipe.relay.tls.MtaStsConfig;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The README's configuration table says what the relay's settings are and default to. */
@Tag("unit")
class ConfigurationDocumentedTest {
    private static final Class<?>[] MAPPINGS = {RelayConfig.class, DaneConfig.class, MtaStsConfig.class, DkimConfig.class};

    @Test
    void everySettingIsDocumentedWithItsDefault() throws Exception {
        var readme = Loopback.repoRoot().resolve("README.md");
        assertEquals(List.of(), ConfigDocs.drift(readme, MAPPINGS));
        assertEquals(List.of(), ConfigDocs.undocumented(readme, MAPPINGS));
    }
}
