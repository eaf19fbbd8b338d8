package dev.mailpipe.peers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Debian's rspamd with a configuration written here: Debian's modules and scores, one normal worker
 * on loopback (and a proxy worker in milter mode before it, for Postfix), DNS only through the given server (so no list, map or fuzzy server outside is ever
 * asked), and two rules of the tests' own: a Subject containing {@code junk-me} scores 20 (between
 * add header at 6 and reject at 50); with {@code clamdSocket}, the antivirus module asks that clamd
 * and rejects what it finds. GTUBE is rspamd's own.
 */
public final class Rspamd implements AutoCloseable {
    private final ChildProcess process;
    public final int port;
    /** Its proxy worker in milter mode, scanning through the normal worker: what Postfix's smtpd_milters names. */
    public final int milterPort;

    private Rspamd(ChildProcess process, int port, int milterPort) {
        this.process = process;
        this.port = port;
        this.milterPort = milterPort;
    }

    /** {@code dns}: {@code host:port} of a resolver on loopback; {@code clamdSocket}: null for no antivirus. */
    public static Rspamd start(Path dir, String dns, Path clamdSocket) throws IOException, InterruptedException {
        DebianPeers.require("rspamd");
        Path local = Files.createDirectories(dir.resolve("local.d"));
        Files.createDirectories(dir.resolve("db"));
        Files.createDirectories(dir.resolve("run"));
        int port = Loopback.freePort("127.0.0.1");
        int milterPort = Loopback.freePort("127.0.0.1");
        Files.writeString(dir.resolve("junk-subjects.map"), "/junk-me/i\n");
        Files.writeString(local.resolve("options.inc"), "dns {\n  nameserver = [\"" + dns + "\"];\n  timeout = 1s;\n  retransmits = 1;\n}\n");
        // No greylisting (it needs Redis): between 6 and 50 a message is tagged, from 50 refused.
        Files.writeString(local.resolve("actions.conf"), "reject = 50;\nadd_header = 6;\ngreylist = null;\n");
        Files.writeString(local.resolve("multimap.conf"), "MAILPIPE_TEST_JUNK {\n  type = \"header\";\n"
                + "  header = \"Subject\";\n  regexp = true;\n  map = \"" + dir.resolve("junk-subjects.map") + "\";\n"
                + "  score = 20.0;\n}\n");
        if (clamdSocket != null) {
            Files.writeString(local.resolve("antivirus.conf"), "clamav {\n  type = \"clamav\";\n  action = \"reject\";\n"
                    + "  servers = \"" + clamdSocket + "\";\n  symbol = \"CLAM_VIRUS\";\n  scan_mime_parts = true;\n"
                    + "  scan_text_mime = true;\n  scan_image_mime = false;\n  timeout = 10;\n  retransmits = 1;\n"
                    + "  log_clean = true;\n  message = '${SCANNER}: virus found: \"${VIRUS}\"';\n}\n");
        }
        Path conf = Files.writeString(dir.resolve("rspamd.conf"), String.join("\n",
                ".include \"$CONFDIR/common.conf\"",
                "options {",
                "  pidfile = \"" + dir.resolve("run/rspamd.pid") + "\";",
                "  .include \"$CONFDIR/options.inc\"",
                // options.inc has a dns block of its own: a second one beside it would be ignored
                // and rspamd would ask the machine's resolver. local.d merges into it, as Debian's
                // rspamd.conf includes it.
                "  .include(try=true; priority=1,duplicate=merge) \"$LOCAL_CONFDIR/local.d/options.inc\"",
                "  disable_hyperscan = true;",
                "}",
                "logging { type = \"console\"; level = \"warning\"; }",
                "worker \"normal\" {",
                "  bind_socket = \"127.0.0.1:" + port + "\";",
                "  count = 1;",
                "  .include \"$CONFDIR/worker-normal.inc\"",
                "}",
                "worker \"rspamd_proxy\" {",
                "  bind_socket = \"127.0.0.1:" + milterPort + "\";",
                "  count = 1;",
                "  milter = yes;",
                "  timeout = 120s;",
                "  upstream \"local\" { default = yes; hosts = \"127.0.0.1:" + port + "\"; }",
                "}",
                ""));
        ChildProcess p = ChildProcess.start("rspamd", List.of("rspamd", "-f", "-u", user(), "-g", user(), "-c", conf.toString(),
                "--var=LOCAL_CONFDIR=" + dir, "--var=DBDIR=" + dir.resolve("db"), "--var=RUNDIR=" + dir.resolve("run")),
                dir, Map.of(), dir.resolve("rspamd.log"));
        Loopback.awaitListening("127.0.0.1", port, Duration.ofSeconds(120));
        Loopback.awaitListening("127.0.0.1", milterPort, Duration.ofSeconds(30));
        return new Rspamd(p, port, milterPort);
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    private static String user() {
        return System.getProperty("user.name");
    }

    @Override
    public void close() throws InterruptedException {
        process.stop(Duration.ofSeconds(10));
    }
}
