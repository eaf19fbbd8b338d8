package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ClientNetworksTest {
    private final ClientNetworks networks = new ClientNetworks(List.of("127.0.0.0/8", " 192.0.2.128/25 ", "2001:db8::/32", "::1"));

    @Test
    void ipv4BlocksMatchByPrefix() {
        assertTrue(networks.contains("127.4.5.6"));
        assertTrue(networks.contains("192.0.2.200"));
        assertFalse(networks.contains("192.0.2.127"), "just below the /25");
        assertFalse(networks.contains("128.0.0.1"));
    }

    @Test
    void ipv6BlocksMatchAndMappedIpv4IsThatIpv4() {
        assertTrue(networks.contains("2001:db8:1::25"));
        assertTrue(networks.contains("[::1]"));
        assertFalse(networks.contains("fe80::1%eth0"), "a zone is dropped, the address is not in any block");
        assertTrue(networks.contains("::ffff:127.0.0.1"));
        assertFalse(networks.contains("2001:db9::1"));
    }

    @Test
    void namesAndGarbageAreNeverLookedUpAndNeverMatch() {
        assertFalse(networks.contains("localhost"));
        assertFalse(networks.contains("127.0.0.1.example.test"));
        assertFalse(networks.contains(""));
    }

    @Test
    void aBadPrefixIsRefusedAtStart() {
        assertThrows(IllegalArgumentException.class, () -> new ClientNetworks(List.of("10.0.0.0/33")));
    }
}
