package dev.mailpipe.peers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * NSD (Debian's nsd), authoritative for test zones, on 127.0.0.1 at a free port. Zones are
 * resources of this module named {@code <zone>.zone}; every address in them is on loopback.
 */
public final class DnsServer implements AutoCloseable {
    private final ChildProcess process;
    public final String ip;
    public final int port;

    private DnsServer(ChildProcess process, String ip, int port) {
        this.process = process;
        this.ip = ip;
        this.port = port;
    }

    public static DnsServer start(Path dir, String... zones) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Map<String, Path> files = new java.util.LinkedHashMap<>();
        for (String zone : zones) {
            files.put(zone, Loopback.resource(zone + ".zone", dir));
        }
        return start(dir, "127.0.0.1", Loopback.freePort(), files);
    }

    /**
     * NSD on {@code ip:port} for zones written by the test: name to zone-file text. Port 53 on a
     * loopback address of its own is where a program that reads /etc/resolv.conf can be sent (see
     * {@link #resolvConf}).
     */
    public static DnsServer serve(Path dir, String ip, int port, Map<String, String> zones) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Map<String, Path> files = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, String> z : zones.entrySet()) {
            files.put(z.getKey(), Files.writeString(dir.resolve(z.getKey() + ".zone"), z.getValue()));
        }
        return start(dir, ip, port, files);
    }

    /**
     * A command that runs {@code command} with this server as its only name server: in a mount
     * namespace of its own (root's {@code unshare -m}), /etc/resolv.conf is a file naming it, so
     * C programs that ask the system resolver (libopendkim) ask here and nowhere else.
     */
    public List<String> resolvConf(Path dir, List<String> command) throws IOException {
        Path conf = Files.writeString(dir.resolve("resolv.conf"), "nameserver " + ip + "\noptions attempts:1 timeout:2\n");
        StringBuilder sh = new StringBuilder("mount --bind ").append(conf).append(" /etc/resolv.conf && exec");
        for (String c : command) {
            sh.append(" '").append(c.replace("'", "'\\''")).append('\'');
        }
        return List.of("unshare", "-m", "sh", "-c", sh.toString());
    }

    private static DnsServer start(Path dir, String ip, int port, Map<String, Path> zones) throws IOException, InterruptedException {
        StringBuilder conf = new StringBuilder();
        conf.append("server:\n")
                .append("  ip-address: ").append(ip).append('@').append(port).append('\n')
                .append("  port: ").append(port).append('\n')
                .append("  do-ip6: no\n")
                .append("  username: \"\"\n")
                .append("  chroot: \"\"\n")
                .append("  zonesdir: \"").append(dir).append("\"\n")
                .append("  pidfile: \"").append(dir.resolve("nsd.pid")).append("\"\n")
                .append("  zonelistfile: \"").append(dir.resolve("zone.list")).append("\"\n")
                .append("  xfrdfile: \"").append(dir.resolve("xfrd.state")).append("\"\n")
                .append("  xfrdir: \"").append(dir).append("\"\n")
                .append("  database: \"\"\n")
                .append("  server-count: 1\n")
                .append("  verbosity: 1\n")
                // Loopback only, and queried hard by rspamd and the benchmarks: no response rate limit.
                .append("  rrl-ratelimit: 0\n")
                .append("remote-control:\n  control-enable: no\n");
        for (Map.Entry<String, Path> zone : zones.entrySet()) {
            conf.append("zone:\n  name: ").append(zone.getKey()).append("\n  zonefile: ").append(zone.getValue()).append('\n');
        }
        Path confFile = dir.resolve("nsd.conf");
        Files.writeString(confFile, conf);
        ChildProcess p = ChildProcess.start("nsd", List.of("nsd", "-d", "-c", confFile.toString()), dir, Map.of(),
                dir.resolve("nsd.out"));
        p.awaitOutput("nsd started", Duration.ofSeconds(20));
        return new DnsServer(p, ip, port);
    }

    /** host:port, as mailpipe.routing.dns.servers takes it. */
    public String address() {
        return ip + ":" + port;
    }

    @Override
    public void close() throws InterruptedException {
        process.close();
    }
}
