package dev.mailpipe.kafka;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class FreePortsTest {

    @Test
    void rangesLieBelowTheEphemeralRangeAndNeverOverlap() throws IOException {
        int low = FreePorts.ephemeralLow();
        BitSet seen = new BitSet();
        for (int i = 0; i < 40; i++) {
            int base = FreePorts.range(26);
            assertTrue(base + 26 <= low, base + "+26 reaches the ephemeral range at " + low);
            for (int p = base; p < base + 26; p++) {
                assertTrue(!seen.get(p), "port " + p + " given twice");
                seen.set(p);
            }
        }
    }

    @Test
    void everyPortOfARangeCanBeBoundOnEachAddress() throws IOException {
        int base = FreePorts.range(5, "127.0.0.1", "127.0.0.7");
        List<ServerSocket> bound = new ArrayList<>();
        try {
            for (int p = base; p < base + 5; p++) {
                for (String a : new String[] {"127.0.0.1", "127.0.0.7"}) {
                    ServerSocket s = new ServerSocket();
                    bound.add(s);
                    s.bind(new InetSocketAddress(InetAddress.getByName(a), p));
                }
            }
        } finally {
            for (ServerSocket s : bound) {
                s.close();
            }
        }
    }

    @Test
    void aRangeWiderThanTheRoomBelowTheEphemeralRangeIsRefused() {
        assertThrows(IOException.class, () -> FreePorts.range(70000));
    }
}
