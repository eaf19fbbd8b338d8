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
    public final int port;

    private DnsServer(ChildProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    public static DnsServer start(Path dir, String... zones) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        int port = Loopback.freePort();
        StringBuilder conf = new StringBuilder();
        conf.append("server:\n")
                .append("  ip-address: 127.0.0.1@").append(port).append('\n')
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
                .append("remote-control:\n  control-enable: no\n");
        for (String zone : zones) {
            conf.append("zone:\n  name: ").append(zone).append("\n  zonefile: ")
                    .append(Loopback.resource(zone + ".zone", dir)).append('\n');
        }
        Path confFile = dir.resolve("nsd.conf");
        Files.writeString(confFile, conf);
        ChildProcess p = ChildProcess.start("nsd", List.of("nsd", "-d", "-c", confFile.toString()), dir, Map.of(),
                dir.resolve("nsd.out"));
        p.awaitOutput("nsd started", Duration.ofSeconds(20));
        return new DnsServer(p, port);
    }

    /** host:port, as mailpipe.routing.dns.servers takes it. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
        process.close();
    }
}
