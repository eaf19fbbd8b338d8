package dev.mailpipe.ingress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** A set of CIDR blocks (IPv4 and IPv6), such as the networks trusted to relay. */
final class ClientNetworks {
    private record Block(byte[] network, int prefix) {
    }

    // Compiled once: String.matches compiled both for every connection, 6% of an event loop.
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[0-9A-Za-z]+)?");

    private final List<Block> blocks = new ArrayList<>();

    ClientNetworks(List<String> cidrs) {
        for (String cidr : cidrs) {
            String c = cidr.trim();
            if (c.isEmpty()) {
                continue;
            }
            int slash = c.indexOf('/');
            byte[] addr = literal(slash < 0 ? c : c.substring(0, slash));
            int prefix = slash < 0 ? addr.length * 8 : Integer.parseInt(c.substring(slash + 1));
            if (prefix < 0 || prefix > addr.length * 8) {
                throw new IllegalArgumentException("bad prefix length in " + c);
            }
            blocks.add(new Block(addr, prefix));
        }
    }

    boolean contains(String ip) {
        byte[] a;
        try {
            a = literal(ip);
        } catch (IllegalArgumentException e) {
            return false;
        }
        for (Block b : blocks) {
            if (b.network.length == a.length && matches(b.network, a, b.prefix)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(byte[] net, byte[] a, int prefix) {
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (net[i] != a[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xff << (8 - rest) & 0xff;
        return (net[full] & mask) == (a[full] & mask);
    }

    /** Parses an IP literal without ever asking DNS. */
    private static byte[] literal(String ip) {
        String s = ip.startsWith("[") && ip.endsWith("]") ? ip.substring(1, ip.length() - 1) : ip;
        if (!IPV4.matcher(s).matches() && !IPV6.matcher(s).matches()) {
            // Never hand InetAddress a name: it would ask DNS.
            throw new IllegalArgumentException("not an IP literal: " + ip);
        }
        int zone = s.indexOf('%');
        if (zone >= 0) {
            s = s.substring(0, zone);
        }
        try {
            byte[] b = InetAddress.getByName(s).getAddress();
            // An IPv4-mapped IPv6 client (::ffff:a.b.c.d) is that IPv4 client.
            if (b.length == 16 && isV4Mapped(b)) {
                return java.util.Arrays.copyOfRange(b, 12, 16);
            }
            return b;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP literal: " + ip, e);
        }
    }

    private static boolean isV4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    }
}
