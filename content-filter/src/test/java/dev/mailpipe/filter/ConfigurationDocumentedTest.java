package dev.mailpipe.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mailpipe.peers.ConfigDocs;
import dev.mailpipe.peers.Loopback;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The README's configuration table says what content-filter's settings are and default to. */
@Tag("unit")
class ConfigurationDocumentedTest {
    private static final Class<?>[] MAPPINGS = {FilterConfig.class};

    @Test
    void everySettingIsDocumentedWithItsDefault() throws Exception {
        var readme = Loopback.repoRoot().resolve("README.md");
        assertEquals(List.of(), ConfigDocs.drift(readme, MAPPINGS));
        assertEquals(List.of(), ConfigDocs.undocumented(readme, MAPPINGS));
    }
}
