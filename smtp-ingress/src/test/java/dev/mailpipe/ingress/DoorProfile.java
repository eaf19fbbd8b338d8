package dev.mailpipe.ingress;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** The door on: a pregreet wait long enough to measure, DNS lists from {@link DoorDns}, small rates. */
public class DoorProfile implements QuarkusTestProfile {
    static final long GREETING_DELAY_MILLIS = 1500;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "mailpipe.ingress.greeting-delay", GREETING_DELAY_MILLIS + "ms",
                "mailpipe.ingress.door.dnsbl-sites", "bl.test=127.0.0.[2..11]*3,wl.test=127.0.[0..255].[0..255]*-2",
                "mailpipe.ingress.door.connection-rate", "10",
                "mailpipe.ingress.door.message-rate", "5",
                "mailpipe.ingress.door.recipient-rate", "6",
                "mailpipe.ingress.door.pipelining-test", "true",
                "mailpipe.ingress.max-connections-per-client", "20");
    }
}
