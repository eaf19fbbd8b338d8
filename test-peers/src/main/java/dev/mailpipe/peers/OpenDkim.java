package dev.mailpipe.peers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Debian's opendkim on 127.0.0.1 as a signing milter: mail from the loopback network (its
 * {@code InternalHosts}) with a From in {@code domain} gets a relaxed/relaxed rsa-sha256 signature
 * under selector {@code s1}, with a key made here; {@link #publicKeyRecord} is the TXT record
 * a verifier needs.
 */
public final class OpenDkim implements AutoCloseable {
    private final ChildProcess process;
    public final int port;
    public final Path dir;

    private OpenDkim(ChildProcess process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    public static OpenDkim start(Path dir, String domain) throws IOException, InterruptedException {
        DebianPeers.require("opendkim", "opendkim-genkey");
        Files.createDirectories(dir);
        ChildProcess.start("opendkim-genkey", List.of("opendkim-genkey", "-D", dir.toString(), "-d", domain, "-s", "s1"), dir,
                Map.of(), dir.resolve("genkey.out")).awaitExit(Duration.ofSeconds(60));
        int port = Loopback.freePort("127.0.0.1");
        Path conf = Files.write(dir.resolve("opendkim.conf"), List.of(
                "Socket inet:" + port + "@127.0.0.1",
                "Domain " + domain,
                "Selector s1",
                "KeyFile " + dir.resolve("s1.private"),
                "Mode sv",
                "Canonicalization relaxed/relaxed",
                "Background no",
                "Syslog no",
                "PidFile " + dir.resolve("opendkim.pid"),
                "InternalHosts 127.0.0.0/8",
                "RequireSafeKeys false"));
        ChildProcess p = ChildProcess.start("opendkim", List.of("opendkim", "-x", conf.toString(), "-f"), dir, Map.of(),
                dir.resolve("opendkim.out"));
        Loopback.awaitListening("127.0.0.1", port, Duration.ofSeconds(30));
        return new OpenDkim(p, port, dir);
    }

    public String address() {
        return "inet:127.0.0.1:" + port;
    }

    /** The selector's TXT record as opendkim-genkey wrote it, joined into one string: {@code v=DKIM1; k=rsa; p=...}. */
    public String publicKeyRecord() throws IOException {
        String txt = Files.readString(dir.resolve("s1.txt"));
        StringBuilder joined = new StringBuilder();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"([^\"]*)\"").matcher(txt);
        while (m.find()) {
            joined.append(m.group(1));
        }
        return joined.toString();
    }

    @Override
    public void close() throws InterruptedException {
        process.stop(Duration.ofSeconds(5));
    }
}
