package dev.mailpipe.runtime;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;

/** The dnsjava resolver a stage's {@code dns.servers} setting names: routing's MX lookups, the ingress's sender checks. */
public final class DnsResolvers {
    private DnsResolvers() {
    }

    /**
     * @param servers recursive resolvers as {@code host}, {@code host:port} or {@code [v6]:port};
     *        empty for the system's (resolv.conf)
     */
    public static Resolver of(List<String> servers, Duration timeout) {
        try {
            Resolver r;
            if (servers.isEmpty()) {
                r = new ExtendedResolver();
            } else {
                List<Resolver> each = new ArrayList<>();
                for (String s : servers) {
                    int colon = s.lastIndexOf(':');
                    boolean hasPort = colon > 0 && !s.substring(0, colon).contains(":") || s.startsWith("[");
                    String host = hasPort ? s.substring(0, colon).replace("[", "").replace("]", "") : s;
                    int port = hasPort ? Integer.parseInt(s.substring(colon + 1)) : 53;
                    each.add(new SimpleResolver(new InetSocketAddress(InetAddress.getByName(host), port)));
                }
                r = new ExtendedResolver(each);
            }
            r.setTimeout(timeout);
            return r;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad DNS server in " + servers, e);
        }
    }
}
