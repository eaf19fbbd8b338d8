package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** anvil's counting: each event its own limit, per address or /64, a new unit starts over, relay networks exempt. */
@Tag("unit")
class ClientRatesTest {
    private static ClientRates rates(String unit) {
        DoorConfig door = TestConfig.of(DoorConfig.class, java.util.Map.of("mailpipe.ingress.door.tls-rate", "2",
                "mailpipe.ingress.door.connection-rate", "1", "mailpipe.ingress.door.rate-time-unit", unit));
        return new ClientRates(door, "mx.test", new IngressMetrics(new SimpleMeterRegistry()));
    }

    private static String tls(ClientRates r, String ip, boolean relay) {
        HookResult result = r.startTls(new Session("s", ip, relay, false)).result();
        return result.refused() ? result.reply().toBuffer().toString().trim() : result.kind().name();
    }

    @Test
    void tlsHandshakesAreCountedPerSlash64AndApartFromConnections() {
        ClientRates r = rates("60s");
        assertSame(HookResult.NEXT, r.connect(new Session("s", "2001:db8:1:2::1", false, false)).result());
        assertEquals("NEXT", tls(r, "2001:db8:1:2::1", false));
        assertEquals("NEXT", tls(r, "2001:db8:1:2::99", false));
        assertEquals("421 4.7.0 mx.test Error: too many new TLS sessions from 2001:db8:1:2::5", tls(r, "2001:db8:1:2::5", false));
        assertEquals("NEXT", tls(r, "2001:db8:1:3::1", false), "another /64");
        assertEquals("NEXT", tls(r, "192.0.2.1", true));
        assertEquals("NEXT", tls(r, "192.0.2.1", true));
        assertEquals("NEXT", tls(r, "192.0.2.1", true), "a relay network is never counted");
    }

    @Test
    void aNewTimeUnitStartsTheCountsAgain() throws Exception {
        ClientRates r = rates("300ms");
        assertSame(HookResult.NEXT, r.connect(new Session("s", "198.51.100.1", false, false)).result());
        assertEquals(421, r.connect(new Session("s", "198.51.100.1", false, false)).result().reply().code());
        Thread.sleep(400);
        assertSame(HookResult.NEXT, r.connect(new Session("s", "198.51.100.1", false, false)).result());
    }
}
