package dev.mailpipe.ingress;

import dev.mailpipe.peers.ClamavMilter;
import dev.mailpipe.peers.Clamd;
import dev.mailpipe.peers.OpenDkim;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Two milters operators run, from Debian, in the MX port's list as Postfix's smtpd_milters would
 * name them: clamav-milter (asking a clamd with a signature database made here) and opendkim
 * signing mail of {@code sender.test} from the loopback network; then one that is not there, whose
 * default action is to accept.
 */
public class MilterPeers implements QuarkusTestResourceLifecycleManager {
    static Path opendkimZone;
    private Clamd clamd;
    private ClamavMilter clamavMilter;
    private OpenDkim opendkim;

    @Override
    public Map<String, String> start() {
        try {
            Path dir = Files.createTempDirectory("milters");
            clamd = Clamd.start(Files.createDirectories(dir.resolve("clamd")));
            clamavMilter = ClamavMilter.start(dir.resolve("clamav-milter"), clamd);
            opendkim = OpenDkim.start(dir.resolve("opendkim"), "sender.test");
            opendkimZone = Files.writeString(dir.resolve("sender.test.zone"),
                    "$ORIGIN sender.test.\n" + Files.readString(opendkim.dir.resolve("s1.txt")));
            // Last, a milter nobody listens for, whose default action lets the mail through.
            int nobody = dev.mailpipe.peers.Loopback.freePort("127.0.0.1");
            return Map.of("mailpipe.ingress.milter.mx", "{ " + clamavMilter.address() + ", default_action=tempfail, command_timeout=20s }, "
                    + opendkim.address() + " { inet:127.0.0.1:" + nobody + ", default_action=accept, connect_timeout=2s }");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        try {
            for (AutoCloseable c : new AutoCloseable[] {opendkim, clamavMilter, clamd}) {
                if (c != null) {
                    c.close();
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
