package dev.mailpipe.routing;

import dev.mailpipe.model.Bounce;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.MailboxDirectory;
import dev.mailpipe.model.MailAddress;
import dev.mailpipe.model.MessageHeaders;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.Route;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Splits one message by where each recipient goes. A plain function of envelope, message and DNS
 * answers, so every routing rule is tested without Kafka or a network.
 *
 * <ul>
 *   <li>local domain, mailbox exists: one delivery per mailbox (aliases, plus-addresses and
 *       catch-alls resolved; an alias may also point to remote addresses, which are relayed); all
 *       of a message's local deliveries travel in one envelope ({@link Plan#local}), each recipient
 *       naming its mailbox, so the body crosses {@code mail.delivery} once;
 *   <li>local domain, no such mailbox: bounce 5.1.1 (only if it vanished after the ingress checked);
 *   <li>remote domain: one relay per domain, carrying the ranked route; DNS trouble defers it, a
 *       permanent DNS answer (no domain, null MX, no address) bounces it;
 *   <li>more Received: headers than allowed: the whole message bounces 5.4.6 (a loop).
 * </ul>
 */
final class Router {
    private final MailboxDirectory mailboxes;
    private final int maxReceivedHeaders;

    Router(MailboxDirectory mailboxes, int maxReceivedHeaders) {
        this.mailboxes = mailboxes;
        this.maxReceivedHeaders = maxReceivedHeaders;
    }

    /** One local copy: the mailbox, and the recipient (as given, its parameters kept) it is for. */
    record Delivery(String mailbox, Recipient recipient) {
    }

    record Relay(String domain, Envelope envelope) {
    }

    record Deferral(String domain, Envelope envelope, String reason) {
    }

    record Plan(List<Delivery> deliveries, List<Relay> relays, List<Deferral> deferrals,
            List<Bounce.Failure> failures, Envelope original) {

        /** The envelope of every local delivery at once, each recipient bound to its mailbox; null if none. */
        Envelope local() {
            return deliveries.isEmpty() ? null
                    : original.withRecipients(deliveries.stream().map(d -> d.recipient().withMailbox(d.mailbox())).toList());
        }
    }

    /** The remote domains (lower-cased) whose routes the plan will need. */
    Set<String> remoteDomains(Envelope envelope) {
        Set<String> domains = new LinkedHashSet<>();
        for (Recipient r : envelope.recipients()) {
            for (Target t : targets(r)) {
                if (!t.local()) {
                    domains.add(t.address().domainKey());
                }
            }
        }
        return domains;
    }

    /** Where one recipient's copies go: local mailboxes and remote addresses. */
    private record Target(MailAddress address, boolean local) {
    }

    private List<Target> targets(Recipient r) {
        Optional<MailAddress> parsed = parse(r);
        if (parsed.isEmpty()) {
            return List.of();
        }
        MailAddress a = parsed.get();
        if (!mailboxes.isLocalDomain(a)) {
            return List.of(new Target(a, false));
        }
        List<Target> out = new ArrayList<>();
        for (String key : mailboxes.resolve(a)) {
            MailAddress t = MailAddress.parse(key, true);
            out.add(new Target(t, mailboxes.isLocalDomain(t)));
        }
        return out;
    }

    Plan plan(Envelope envelope, byte[] message, Function<String, Resolution> routes) {
        List<Delivery> deliveries = new ArrayList<>();
        List<Relay> relays = new ArrayList<>();
        List<Deferral> deferrals = new ArrayList<>();
        List<Bounce.Failure> failures = new ArrayList<>();

        if (receivedHeaders(message) > maxReceivedHeaders) {
            for (Recipient r : envelope.recipients()) {
                failures.add(new Bounce.Failure(r, "5.4.6", "x-mailpipe; mail loop: more than "
                        + maxReceivedHeaders + " Received: headers", null));
            }
            return new Plan(deliveries, relays, deferrals, failures, envelope);
        }

        Map<String, List<Recipient>> byDomain = new LinkedHashMap<>();
        Set<String> mailboxesSeen = new LinkedHashSet<>();
        for (Recipient r : envelope.recipients()) {
            if (parse(r).isEmpty()) {
                failures.add(new Bounce.Failure(r, "5.1.3", "x-mailpipe; bad recipient address syntax", null));
                continue;
            }
            List<Target> targets = targets(r);
            if (targets.isEmpty()) {
                failures.add(new Bounce.Failure(r, "5.1.1", "x-mailpipe; no such mailbox " + r.address(), null));
                continue;
            }
            boolean expanded = targets.size() != 1 || !targets.get(0).address().mailboxKey()
                    .equals(parse(r).get().mailboxKey());
            for (Target t : targets) {
                if (t.local()) {
                    // Two addresses reaching one mailbox (alias, plus-address) deliver one copy.
                    if (mailboxesSeen.add(t.address().mailboxKey())) {
                        deliveries.add(new Delivery(t.address().mailboxKey(), r));
                    }
                } else {
                    Recipient remote = expanded ? r.withAddress(t.address().toString()) : r;
                    byDomain.computeIfAbsent(t.address().domainKey(), d -> new ArrayList<>()).add(remote);
                }
            }
        }
        for (var e : byDomain.entrySet()) {
            Envelope part = envelope.withRecipients(e.getValue());
            Resolution resolution = routes.apply(e.getKey());
            if (resolution instanceof Resolution.Routed routed) {
                relays.add(new Relay(e.getKey(), part.withRoute(routed.route())));
            } else if (resolution instanceof Resolution.Deferred deferred) {
                deferrals.add(new Deferral(e.getKey(), part.withRoute((Route) null), deferred.reason()));
            } else if (resolution instanceof Resolution.Failed failed) {
                for (Recipient r : e.getValue()) {
                    failures.add(new Bounce.Failure(r, failed.status(), "x-mailpipe; " + failed.reason(), null));
                }
            }
        }
        return new Plan(deliveries, relays, deferrals, failures, envelope);
    }

    private static Optional<MailAddress> parse(Recipient r) {
        try {
            return Optional.of(MailAddress.parse(r.address(), true));
        } catch (MailAddress.InvalidAddressException e) {
            return Optional.empty();
        }
    }

    /** Received: fields in the header section (up to the first empty line). */
    static int receivedHeaders(byte[] message) {
        return MessageHeaders.count(message, "Received");
    }
}
