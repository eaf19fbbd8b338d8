package dev.mailpipe.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.Route;
import dev.mailpipe.runtime.LocalMailboxes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class RouterTest {
    private final Router router = new Router(
            new LocalMailboxes(Set.of("example.test"), Set.of("alice@example.test", "bob@example.test")), 5);

    private static final byte[] MESSAGE = "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8);

    private static Envelope envelope(String... rcpts) {
        return Envelope.received("id1", Instant.now(), new Envelope.Client("127.0.0.1", "h", false, null), "s@y.test",
                java.util.Arrays.stream(rcpts).map(Recipient::of).toList(), MESSAGE.length);
    }

    private static Resolution routed(String domain) {
        return new Resolution.Routed(new Route(domain, List.of(new Route.MxHost("mx." + domain, 10, List.of("127.0.0.2"))),
                null), Duration.ofMinutes(1));
    }

    @Test
    void localRecipientsGetOneDeliveryPerMailbox() {
        Router.Plan p = router.plan(envelope("alice@example.test", "Alice+tag@EXAMPLE.test", "bob@example.test"),
                MESSAGE, d -> { throw new AssertionError("no DNS for local mail"); });
        assertEquals(List.of("alice@example.test", "bob@example.test"),
                p.deliveries().stream().map(Router.Delivery::mailbox).toList());
        assertEquals("alice@example.test", p.deliveries().get(0).recipient().address());
        // One envelope for both copies, each recipient bound to its mailbox: the body travels once.
        assertEquals(List.of("alice@example.test", "bob@example.test"),
                p.local().recipients().stream().map(Recipient::address).toList());
        assertEquals(List.of("alice@example.test", "bob@example.test"),
                p.local().recipients().stream().map(r -> r.mailbox().orElseThrow()).toList());
        assertTrue(p.failures().isEmpty());
    }

    @Test
    void unknownLocalMailboxBounces511() {
        Router.Plan p = router.plan(envelope("ghost@example.test"), MESSAGE, d -> null);
        assertEquals("5.1.1", p.failures().get(0).status());
    }

    @Test
    void remoteRecipientsAreGroupedByDomainWithTheirRoute() {
        Envelope e = envelope("a@one.test", "b@Two.test", "c@ONE.test");
        assertEquals(Set.of("one.test", "two.test"), router.remoteDomains(e));
        Router.Plan p = router.plan(e, MESSAGE, RouterTest::routed);
        assertEquals(2, p.relays().size());
        Router.Relay one = p.relays().get(0);
        assertEquals("one.test", one.domain());
        assertEquals(List.of("a@one.test", "c@ONE.test"), one.envelope().recipients().stream().map(Recipient::address).toList());
        assertEquals("mx.one.test", one.envelope().route().orElseThrow().mx().get(0).host());
    }

    @Test
    void dnsTroubleDefersAndPermanentAnswersBounce() {
        Map<String, Resolution> answers = Map.of(
                "slow.test", new Resolution.Deferred("SERVFAIL"),
                "gone.test", new Resolution.Failed("5.1.2", "no such domain", Duration.ofMinutes(5)));
        Router.Plan p = router.plan(envelope("a@slow.test", "b@gone.test"), MESSAGE, answers::get);
        assertEquals("slow.test", p.deferrals().get(0).domain());
        assertEquals("5.1.2", p.failures().get(0).status());
        assertEquals("b@gone.test", p.failures().get(0).recipient().address());
    }

    @Test
    void aliasesExpandToLocalAndRemoteTargetsAndCatchAllsTakeTheRest() {
        Router withAliases = new Router(new LocalMailboxes(Set.of("example.test"), Set.of("alice@example.test", "bob@example.test"),
                Map.of("team@example.test", new dev.mailpipe.model.Account.Alias("team@example.test",
                        List.of("alice@example.test", "bob@example.test", "ext@partner.test")),
                        "loop@example.test", new dev.mailpipe.model.Account.Alias("loop@example.test", List.of("loop@example.test"))),
                Map.of()), 50);
        Router.Plan p = withAliases.plan(envelope("Team@example.test", "alice@example.test"), MESSAGE, RouterTest::routed);
        assertEquals(List.of("alice@example.test", "bob@example.test"),
                p.deliveries().stream().map(Router.Delivery::mailbox).toList(), "alice gets one copy, not two");
        assertEquals("partner.test", p.relays().get(0).domain());
        assertEquals("ext@partner.test", p.relays().get(0).envelope().recipients().get(0).address());
        assertEquals("5.1.1", withAliases.plan(envelope("loop@example.test"), MESSAGE, d -> null).failures().get(0).status(),
                "an alias loop ends as an unknown recipient");

        Router catchAll = new Router(new LocalMailboxes(Set.of("example.test"), Set.of("alice@example.test"), Map.of(),
                Map.of("example.test", "alice@example.test")), 50);
        assertEquals("alice@example.test", catchAll.plan(envelope("anything@example.test"), MESSAGE, d -> null)
                .deliveries().get(0).mailbox());
    }

    @Test
    void tooManyReceivedHeadersIsALoop() {
        String head = "Received: from a\r\n".repeat(6);
        byte[] looping = (head + "Subject: x\r\n\r\nReceived: in the body does not count\r\n").getBytes(StandardCharsets.UTF_8);
        Router.Plan p = router.plan(envelope("alice@example.test"), looping, d -> null);
        assertEquals("5.4.6", p.failures().get(0).status());
        assertTrue(p.deliveries().isEmpty());
        byte[] fine = ("Received: from a\r\n".repeat(5) + "\r\nReceived: body\r\nReceived: body\r\n").getBytes(StandardCharsets.UTF_8);
        assertEquals(1, router.plan(envelope("alice@example.test"), fine, d -> null).deliveries().size());
    }
}
