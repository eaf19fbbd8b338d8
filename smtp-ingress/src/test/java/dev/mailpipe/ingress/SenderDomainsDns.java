package dev.mailpipe.ingress;

import dev.mailpipe.peers.DebianPeers;
import dev.mailpipe.peers.DnsServer;
import dev.mailpipe.runtime.DkimKeys;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * NSD on 127.0.0.97:53 with the sending domains of {@link SenderChecksTest}: SPF, a DKIM key made
 * by opendkim-genkey, DMARC policies. The ingress asks it directly; python3-authheaders, which asks
 * the system resolver, through a resolv.conf of its own ({@link DnsServer#resolvConf}).
 */
public class SenderDomainsDns implements QuarkusTestResourceLifecycleManager {
    static Path dir;
    static Path key;
    static DnsServer dns;

    @Override
    public Map<String, String> start() {
        try {
            DebianPeers.require("nsd", "opendkim-genkey");
            dir = Files.createTempDirectory("sender-dns");
            Process gen = new ProcessBuilder("opendkim-genkey", "-d", "sender.test", "-s", "od", "-D", dir.toString())
                    .inheritIO().start();
            if (gen.waitFor() != 0) {
                throw new IllegalStateException("opendkim-genkey failed");
            }
            key = dir.resolve("od.private");
            DkimKeys.Key k = DkimKeys.read("sender.test", "od", Files.readString(key));
            String soa = "@ IN SOA ns hostmaster 1 60 60 60 60\n@ IN NS ns\nns IN A 127.0.0.1\n";
            String sender = "$ORIGIN sender.test.\n$TTL 60\n" + soa
                    + "@ IN TXT \"v=spf1 ip4:127.0.0.50 -all\"\n"
                    + "_dmarc IN TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@sender.test\"\n"
                    + "od._domainkey IN TXT " + quoted(k.recordText()) + "\n";
            String quarantine = "$ORIGIN quarantine.test.\n$TTL 60\n" + soa
                    + "@ IN TXT \"v=spf1 ip4:127.0.0.50 -all\"\n_dmarc IN TXT \"v=DMARC1; p=quarantine\"\n";
            String relaxed = "$ORIGIN nopolicy.test.\n$TTL 60\n" + soa + "@ IN TXT \"v=spf1 -all\"\n";
            // Three names without addresses before the mechanism that matches: RFC 7208 4.6.4's third void lookup.
            String voids = "$ORIGIN voids.test.\n$TTL 60\n" + soa + "@ IN TXT \"v=spf1 a:v1.voids.test a:v2.voids.test "
                    + "a:v3.voids.test ip4:127.0.0.60 -all\"\n";
            dns = DnsServer.serve(dir, "127.0.0.97", 53, Map.of("sender.test", sender, "quarantine.test", quarantine,
                    "nopolicy.test", relaxed, "voids.test", voids));
            return Map.of("mailpipe.ingress.sender-checks.enabled", "true",
                    "mailpipe.ingress.sender-checks.dns-servers", dns.address(),
                    "mailpipe.ingress.sender-checks.dns-timeout", "2s",
                    "mailpipe.ingress.sender-checks.authserv-id", "mx.example.test");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String quoted(String text) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < text.length(); i += 250) {
            sb.append(i == 0 ? "" : " ").append('"').append(text, i, Math.min(text.length(), i + 250)).append('"');
        }
        return sb.toString();
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
