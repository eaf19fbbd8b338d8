package dev.mailpipe.kafka;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for a local stack (a test's broker, a launcher's services), chosen below the kernel's
 * ephemeral range. A port from {@code new ServerSocket(0)} lies inside that range, so between
 * choosing it and a child process binding it, any outgoing connection on the machine (a Kafka
 * client, a relay) may be given it as its local port, and the bind fails with "Address already in
 * use". Below the range the kernel never hands a port out by itself; only another listener can
 * hold it, and that the check here sees.
 */
public final class FreePorts {
    private static final int LOWEST = 10000;
    private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    /** One port free on every given address (127.0.0.1 when none is given). */
    public static int port(String... addresses) throws IOException {
        return range(1, addresses);
    }

    /**
     * The first of {@code n} consecutive ports free on every given address (127.0.0.1 when none
     * is given). No two calls in one JVM return overlapping ranges.
     */
    public static int range(int n, String... addresses) throws IOException {
        String[] on = addresses.length == 0 ? new String[] {"127.0.0.1"} : addresses;
        int top = ephemeralLow() - n;
        if (top <= LOWEST) {
            throw new IOException("no room for " + n + " ports below the ephemeral range");
        }
        for (int tries = 0; tries < 200; tries++) {
            int base = ThreadLocalRandom.current().nextInt(LOWEST, top);
            if (reserve(base, n) && allFree(base, n, on)) {
                return base;
            }
        }
        throw new IOException("no " + n + " free consecutive ports between " + LOWEST + " and " + top);
    }

    private static synchronized boolean reserve(int base, int n) {
        for (int p = base; p < base + n; p++) {
            if (GIVEN.contains(p)) {
                return false;
            }
        }
        for (int p = base; p < base + n; p++) {
            GIVEN.add(p);
        }
        return true;
    }

    private static boolean allFree(int base, int n, String[] addresses) {
        for (int p = base; p < base + n; p++) {
            for (String a : addresses) {
                try (ServerSocket s = new ServerSocket()) {
                    s.bind(new InetSocketAddress(InetAddress.getByName(a), p));
                } catch (IOException e) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The lowest port the kernel gives outgoing connections (Linux's default when unknown). */
    static int ephemeralLow() {
        try {
            // readAllLines, not readString: the JDK sizes readString by the file's length, which
            // /proc reports as 0, and so reads a single byte.
            String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim();
            return Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32768;
        }
    }
}
