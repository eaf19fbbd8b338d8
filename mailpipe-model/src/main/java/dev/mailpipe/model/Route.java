package dev.mailpipe.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Where the relay should take mail for one domain: the MX hosts by preference, lowest first, each
 * with its addresses, and when the DNS answers behind it expire. Hosts of equal preference are kept
 * in the order DNS gave them; {@link #attemptOrder} draws their order for each delivery attempt.
 *
 * <p>{@code site} names the servers behind the route: the MX host names, lower-cased and sorted, so
 * that domains hosted on the same servers share one site, or a rollup ({@code *.google.com}) when
 * every host is under a suffix routing rolls up. {@code mail.relay} is keyed by it, so a site's mail
 * meets one relay replica, and the relay's window for it is that replica's.
 */
public record Route(String domain, List<MxHost> mx, Instant expiresAt, String site) {

    public Route {
        mx = List.copyOf(mx);
        if (site == null || site.isEmpty()) {
            site = hosts(mx);
        }
    }

    public Route(String domain, List<MxHost> mx, Instant expiresAt) {
        this(domain, mx, expiresAt, null);
    }

    /**
     * This route with its site rolled up to {@code *.<suffix>} when every MX host is under one of
     * {@code rollups} (as KumoMTA's {@code mx_rollup}): all the domains a provider hosts are one site.
     */
    public Route rolledUp(List<String> rollups) {
        for (String suffix : rollups) {
            String dot = "." + suffix.toLowerCase(java.util.Locale.ROOT).replaceAll("^[*.]+|\\.$", "");
            if (!mx.isEmpty() && mx.stream().allMatch(h -> name(h.host()).endsWith(dot))) {
                return new Route(domain, mx, expiresAt, "*" + dot);
            }
        }
        return this;
    }

    private static String hosts(List<MxHost> mx) {
        return mx.stream().map(h -> name(h.host())).distinct().sorted().collect(java.util.stream.Collectors.joining(","));
    }

    private static String name(String host) {
        String h = host.toLowerCase(java.util.Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    /** One MX target; {@code addresses} are IPv4 and IPv6 literals, in the order to try them. */
    public record MxHost(String host, int preference, List<String> addresses) {
        public MxHost {
            addresses = List.copyOf(addresses);
        }
    }

    /**
     * The hosts in the order one delivery attempt tries them: by preference, with each group of equal
     * preference shuffled anew (RFC 5321 5.1), so that consecutive messages spread over them. A draw
     * made once and cached would send every message within the TTL to the same host.
     */
    public List<MxHost> attemptOrder(Random random) {
        List<MxHost> order = new ArrayList<>(mx.size());
        int from = 0;
        while (from < mx.size()) {
            int to = from + 1;
            while (to < mx.size() && mx.get(to).preference() == mx.get(from).preference()) {
                to++;
            }
            List<MxHost> group = new ArrayList<>(mx.subList(from, to));
            Collections.shuffle(group, random);
            order.addAll(group);
            from = to;
        }
        return order;
    }

    ObjectNode toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode r = f.objectNode();
        r.put("domain", domain);
        ArrayNode hosts = r.putArray("mx");
        for (MxHost h : mx) {
            ObjectNode o = hosts.addObject();
            o.put("host", h.host());
            o.put("preference", h.preference());
            ArrayNode a = o.putArray("addresses");
            h.addresses().forEach(a::add);
        }
        if (expiresAt != null) {
            r.put("expiresAt", expiresAt.toString());
        }
        r.put("site", site);
        return r;
    }

    static Route fromJson(JsonNode r) {
        List<MxHost> hosts = new ArrayList<>();
        for (JsonNode h : r.path("mx")) {
            List<String> addresses = new ArrayList<>();
            h.path("addresses").forEach(a -> addresses.add(a.asText()));
            hosts.add(new MxHost(h.path("host").asText(), h.path("preference").asInt(), addresses));
        }
        String expires = r.path("expiresAt").asText("");
        return new Route(r.path("domain").asText(), hosts, expires.isEmpty() ? null : Instant.parse(expires), r.path("site").asText(null));
    }
}
