package dev.mailpipe.relay.shaping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shaping file as an operator writes it, and what it says for each site, domain and reply. */
@Tag("unit")
class ShapingTest {
    @TempDir
    Path tmp;

    private Shaping read(String yaml) throws IOException {
        return Shaping.read(Files.writeString(tmp.resolve("shaping.yaml"), yaml));
    }

    @Test
    void theLongestSiteRuleWinsOverTheDefaultsAndDomainsHaveTheirOwn() throws Exception {
        Shaping s = read("""
                default:
                  connections: 20
                  messages-per-connection: 100
                sites:
                  "*.google.com": {connections: 10, messages-per-hour: 20000, connections-per-minute: 30}
                  "*.l.google.com": {messages-per-minute: 100}
                  mx.small.test: {connections: 2}
                domains:
                  example.org: {messages-per-minute: 60}
                notices: {messages-per-minute: 30}
                """);
        assertEquals(new Shaping.Limits(10, 100, 0, 20000, 30), s.site("*.google.com"));
        assertEquals(new Shaping.Limits(20, 100, 100, 0, 0), s.site("alt1.aspmx.l.google.com,aspmx.l.google.com"),
                "every host under *.l.google.com: that rule over the defaults");
        assertEquals(new Shaping.Limits(20, 100, 0, 0, 0), s.site("aspmx.l.google.com,mx.other.test"), "not every host: the defaults");
        assertEquals(30, s.notices().orElseThrow().messagesPerMinute());
        assertTrue(Shaping.NONE.notices().isEmpty(), "no notices rule: bounces go at the site's pace");
        assertEquals(2, s.site("MX.small.test").connections());
        assertEquals(60, s.domain("Example.org").orElseThrow().messagesPerMinute());
        assertTrue(s.domain("example.com").isEmpty());
        assertNull(Shaping.NONE.site("x").connections(), "no file: the relay's own settings");
    }

    @Test
    void aThrottleMatchesTheProvidersReply() throws Exception {
        Shaping s = read("""
                throttles:
                  - {match: "4\\\\.7\\\\.28|rate limit", action: suspend, for: 10m}
                  - {match: "try again later", action: slow, factor: 0.25, for: 30m}
                """);
        Shaping.Throttle gmail = s.throttleFor("421 4.7.28 [192.0.2.1] Our system has detected an unusual rate of unsolicited mail")
                .orElseThrow();
        assertEquals(Shaping.Throttle.Action.SUSPEND, gmail.action());
        assertEquals(Duration.ofMinutes(10), gmail.duration());
        Shaping.Throttle slow = s.throttleFor("451 4.7.0 Temporary server error. Please TRY AGAIN LATER").orElseThrow();
        assertEquals(Shaping.Throttle.Action.SLOW, slow.action());
        assertEquals(0.25, slow.factor());
        assertTrue(s.throttleFor("550 5.1.1 user unknown").isEmpty());
    }

    @Test
    void theShapingFileDeployShipsParsesAndActsOnTheProvidersWords() throws Exception {
        Shaping shipped = Shaping.read(dev.mailpipe.peers.Loopback.repoRoot().resolve("deploy/kubernetes/base/shaping/shaping.yaml"));
        assertEquals(Shaping.Throttle.Action.SUSPEND, shipped.throttleFor(
                "421-4.7.28 [192.0.2.1] Our system has detected an unusual rate of unsolicited mail").orElseThrow().action());
        assertEquals(Shaping.Throttle.Action.SLOW, shipped.throttleFor("451 4.7.0 Temporary server error. Please try again later")
                .orElseThrow().action());
        assertEquals(10, shipped.site("*.outlook.com").connections());
        assertEquals(20, shipped.site("mx.example.test").connections());
    }

    @Test
    void aFileThatDoesNotSayWhatItMeansIsRefusedSayingWhere() {
        assertTrue(assertThrows(IOException.class, () -> read("default: {conections: 5}\n")).getMessage()
                .contains("default: unknown setting conections"));
        assertTrue(assertThrows(IOException.class, () -> read("default: {connections: 0}\n")).getMessage()
                .contains("connections must be a whole number of at least 1"));
        assertTrue(assertThrows(IOException.class, () -> read("throttles:\n  - {match: \"(\", action: suspend, for: 1m}\n"))
                .getMessage().contains("throttles[0]: match is not a regular expression"));
        assertTrue(assertThrows(IOException.class, () -> read("throttles:\n  - {match: x, action: pause, for: 1m}\n")).getMessage()
                .contains("action must be suspend or slow"));
        assertTrue(assertThrows(IOException.class, () -> read("throttles:\n  - {match: x, action: slow, factor: 2, for: 1m}\n"))
                .getMessage().contains("factor must be between 0 and 1"));
        assertTrue(assertThrows(IOException.class, () -> read("domains:\n  a.test: {connections-per-minute: 5}\n")).getMessage()
                .contains("domains.a.test: connections-per-minute is a site's"));
        assertTrue(assertThrows(IOException.class, () -> read("notices: {connections: 5}\n")).getMessage()
                .contains("notices: only messages-per-minute and messages-per-hour"));
    }

    @Test
    void aRateKeepsToItsTokensAndASlowFactorLowersIt() {
        RateLimit perMinute = new RateLimit(60, 0);
        int taken = 0;
        while (perMinute.tryTake(0, 1)) {
            taken++;
        }
        assertEquals(60, taken, "a burst may use the whole minute");
        assertFalse(perMinute.tryTake(500, 1), "half a second later: half a token");
        assertTrue(perMinute.tryTake(1000, 1), "one second: one more");
        RateLimit slowed = new RateLimit(60, 0);
        while (slowed.tryTake(0, 1)) {
            // empty it
        }
        assertFalse(slowed.tryTake(1000, 0.5), "at half the rate a second gives half a token");
        assertTrue(slowed.tryTake(2000, 0.5));
        assertFalse(new RateLimit(0, 0).limited());
    }
}
