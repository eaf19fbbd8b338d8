package dev.mailpipe.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the relay should take mail for one domain: the MX hosts in the order to try them, each with
 * its addresses, and when the DNS answers behind it expire.
 */
public record Route(String domain, List<MxHost> mx, Instant expiresAt) {

    public Route {
        mx = List.copyOf(mx);
    }

    /** One MX target; {@code addresses} are IPv4 and IPv6 literals, in the order to try them. */
    public record MxHost(String host, int preference, List<String> addresses) {
        public MxHost {
            addresses = List.copyOf(addresses);
        }
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
        return new Route(r.path("domain").asText(), hosts, expires.isEmpty() ? null : Instant.parse(expires));
    }
}
