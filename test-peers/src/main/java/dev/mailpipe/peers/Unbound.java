package dev.mailpipe.peers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Debian's unbound as a validating recursive resolver on loopback: each test zone is a stub zone
 * at the NSD that serves it, DNSSEC validation starts from the trust anchors given (no root key,
 * so an unsigned zone is insecure, not bogus), and it asks nothing beyond those servers.
 */
public final class Unbound implements AutoCloseable {
    private final ChildProcess process;
    public final String ip;
    public final int port;

    private Unbound(ChildProcess process, String ip, int port) {
        this.process = process;
        this.ip = ip;
        this.port = port;
    }

    /**
     * @param stubs zone name to its authoritative server, {@code ip@port}
     * @param trustAnchors files of DS or DNSKEY records
     */
    public static Unbound start(Path dir, String ip, int port, Map<String, String> stubs, List<Path> trustAnchors)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        StringBuilder conf = new StringBuilder("server:\n")
                .append("  interface: ").append(ip).append('@').append(port).append('\n')
                .append("  port: ").append(port).append('\n')
                .append("  do-ip6: no\n")
                .append("  username: \"\"\n")
                .append("  chroot: \"\"\n")
                .append("  directory: \"").append(dir).append("\"\n")
                .append("  pidfile: \"").append(dir.resolve("unbound.pid")).append("\"\n")
                .append("  use-syslog: no\n")
                .append("  logfile: \"\"\n")
                .append("  verbosity: 1\n")
                .append("  val-log-level: 2\n")
                .append("  do-not-query-localhost: no\n")
                .append("  access-control: 127.0.0.0/8 allow\n")
                .append("  module-config: \"validator iterator\"\n")
                .append("  local-zone: \"test.\" nodefault\n");
        for (Path anchor : trustAnchors) {
            conf.append("  trust-anchor-file: \"").append(anchor).append("\"\n");
        }
        for (Map.Entry<String, String> stub : stubs.entrySet()) {
            conf.append("stub-zone:\n  name: \"").append(stub.getKey()).append("\"\n  stub-addr: ").append(stub.getValue()).append('\n');
        }
        conf.append("remote-control:\n  control-enable: no\n");
        Path file = Files.writeString(dir.resolve("unbound.conf"), conf);
        ChildProcess p = ChildProcess.start("unbound", List.of("unbound", "-d", "-c", file.toString()), dir, Map.of(),
                dir.resolve("unbound.out"));
        p.awaitOutput("start of service", Duration.ofSeconds(20));
        return new Unbound(p, ip, port);
    }

    /** host:port, as mailpipe.relay.dns-servers takes it. */
    public String address() {
        return ip + ":" + port;
    }

    @Override
    public void close() throws InterruptedException {
        process.close();
    }
}
