package dev.mailpipe.peers;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * rspamd with its antivirus module talking to clamd (a signature database made here), and NSD as
 * rspamd's only resolver, so that none of its lists, maps or fuzzy servers outside is asked. The
 * service under test is told rspamd's URL in the setting named by the init argument
 * {@code url-property} (the ingress's by default).
 */
public class ScannerPeers implements QuarkusTestResourceLifecycleManager {
    private String urlProperty = "mailpipe.ingress.rspamd.url";
    private DnsServer dns;
    private Clamd clamd;
    private Rspamd rspamd;

    @Override
    public void init(Map<String, String> initArgs) {
        urlProperty = initArgs.getOrDefault("url-property", urlProperty);
    }

    @Override
    public Map<String, String> start() {
        try {
            Path dir = Files.createTempDirectory("content-filter");
            dns = DnsServer.start(dir.resolve("dns"), "remote.test");
            clamd = Clamd.start(Files.createDirectories(dir.resolve("clamd")));
            rspamd = Rspamd.start(Files.createDirectories(dir.resolve("rspamd")), dns.address(), clamd.socket);
            return Map.of(urlProperty, rspamd.url());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        try {
            if (rspamd != null) {
                rspamd.close();
            }
            if (clamd != null) {
                clamd.close();
            }
            if (dns != null) {
                dns.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
