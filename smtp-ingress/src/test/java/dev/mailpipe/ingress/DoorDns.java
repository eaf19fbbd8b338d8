package dev.mailpipe.ingress;

import dev.mailpipe.peers.DebianPeers;
import dev.mailpipe.peers.DnsServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.util.Map;

/**
 * NSD on 127.0.0.96:53 serving a DNS block list that lists 127.0.0.66 and an allow list that
 * lists 127.0.0.67, answering as real lists do (an A record in 127.0.0.0/8, a TXT reason).
 */
public class DoorDns implements QuarkusTestResourceLifecycleManager {
    private DnsServer dns;

    @Override
    public Map<String, String> start() {
        try {
            DebianPeers.require("nsd");
            String soa = "@ IN SOA ns hostmaster 1 60 60 60 60\n@ IN NS ns\nns IN A 127.0.0.1\n";
            String block = "$ORIGIN bl.test.\n$TTL 300\n" + soa
                    + "66.0.0.127 IN A 127.0.0.2\n66.0.0.127 IN TXT \"listed for tests\"\n"
                    // An answer outside the filter (a list's error code) must not count.
                    + "65.0.0.127 IN A 127.255.255.254\n";
            String allow = "$ORIGIN wl.test.\n$TTL 300\n" + soa + "67.0.0.127 IN A 127.0.9.3\n";
            dns = DnsServer.serve(Files.createTempDirectory("door-dns"), "127.0.0.96", 53,
                    Map.of("bl.test", block, "wl.test", allow));
            return Map.of("mailpipe.ingress.door.dns-servers", dns.address());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        try {
            if (dns != null) {
                dns.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
