package dev.mailpipe.ingress;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * One DNS block or allow list, as postscreen names it: {@code site[=filter][*weight]}. The filter
 * says which answers count ({@code 127.0.0.2}, {@code 127.0.[0..255].[2;4]}); a list answers
 * {@code 127.0.0.x} codes for different reasons, and some reserve codes for errors
 * (Spamhaus's {@code 127.255.255.x} for "you asked through a public resolver").
 */
record DnsListSite(String domain, List<int[][]> filter, int weight) {

    static DnsListSite parse(String spec) {
        String s = spec.trim();
        int weight = 1;
        int star = s.lastIndexOf('*');
        if (star >= 0) {
            weight = Integer.parseInt(s.substring(star + 1).trim());
            s = s.substring(0, star);
        }
        List<int[][]> filter = null;
        int eq = s.indexOf('=');
        if (eq >= 0) {
            filter = octets(s.substring(eq + 1).trim(), spec);
            s = s.substring(0, eq);
        }
        String domain = s.trim().replaceAll("\\.$", "");
        if (domain.isEmpty() || !domain.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("not a DNS list: " + spec);
        }
        return new DnsListSite(domain, filter, weight);
    }

    /** Four octet patterns, each a list of ranges {@code [from, to]}. */
    private static List<int[][]> octets(String text, String spec) {
        List<int[][]> octets = new ArrayList<>();
        for (String octet : text.split("\\.(?![^\\[]*\\])")) { // dots outside [..]
            String inner = octet.startsWith("[") && octet.endsWith("]") ? octet.substring(1, octet.length() - 1) : octet;
            String[] parts = inner.split(";");
            int[][] ranges = new int[parts.length][];
            for (int i = 0; i < parts.length; i++) {
                String[] ends = parts[i].split("\\.\\.", -1);
                int from = Integer.parseInt(ends[0].trim());
                int to = ends.length > 1 ? Integer.parseInt(ends[1].trim()) : from;
                if (from < 0 || to > 255 || from > to) {
                    throw new IllegalArgumentException("bad octet in DNS list filter: " + spec);
                }
                ranges[i] = new int[] {from, to};
            }
            octets.add(ranges);
        }
        if (octets.size() != 4) {
            throw new IllegalArgumentException("a DNS list filter has four octets: " + spec);
        }
        return octets;
    }

    /** Whether the list's answer {@code a} counts. */
    boolean matches(InetAddress a) {
        if (filter == null) {
            return true;
        }
        byte[] b = a.getAddress();
        if (b.length != 4) {
            return false;
        }
        for (int i = 0; i < 4; i++) {
            int v = b[i] & 0xff;
            boolean in = false;
            for (int[] r : filter.get(i)) {
                in |= v >= r[0] && v <= r[1];
            }
            if (!in) {
                return false;
            }
        }
        return true;
    }

    /** The name asked for {@code clientIp}: its octets (IPv4) or nibbles (IPv6) reversed, then the list. */
    String query(InetAddress clientIp) {
        byte[] b = clientIp.getAddress();
        StringBuilder q = new StringBuilder();
        for (int i = b.length - 1; i >= 0; i--) {
            if (b.length == 4) {
                q.append(b[i] & 0xff).append('.');
            } else {
                q.append(Character.forDigit(b[i] & 0xf, 16)).append('.').append(Character.forDigit(b[i] >> 4 & 0xf, 16))
                        .append('.');
            }
        }
        return q.append(domain).append('.').toString();
    }
}
