package dev.mailpipe.ingress;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The unit per-client limits count in: an IPv4 address, or an IPv6 client's /64, since one host
 * (one subscriber, one cloud instance) gets a whole /64 and may take any address in it.
 */
final class ClientKey {
    private ClientKey() {
    }

    static String of(String ip) {
        if (ip.indexOf(':') < 0) {
            return ip;
        }
        String literal = ip.startsWith("[") ? ip.substring(1, ip.length() - 1) : ip;
        int zone = literal.indexOf('%');
        if (zone >= 0) {
            literal = literal.substring(0, zone);
        }
        if (!literal.matches("[0-9A-Fa-f:.]+")) {
            return ip; // never a name: InetAddress would ask DNS
        }
        try {
            InetAddress a = InetAddress.getByName(literal);
            if (!(a instanceof Inet6Address)) {
                return a.getHostAddress(); // ::ffff:a.b.c.d, the IPv4 client it is
            }
            byte[] b = a.getAddress();
            return String.format("%x:%x:%x:%x::/64", (b[0] & 0xff) << 8 | b[1] & 0xff, (b[2] & 0xff) << 8 | b[3] & 0xff,
                    (b[4] & 0xff) << 8 | b[5] & 0xff, (b[6] & 0xff) << 8 | b[7] & 0xff);
        } catch (UnknownHostException e) {
            return ip;
        }
    }
}
