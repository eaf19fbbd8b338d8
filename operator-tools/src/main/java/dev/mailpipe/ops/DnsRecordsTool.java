package dev.mailpipe.ops;

import dev.mailpipe.model.DkimKeys;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./mailpipe dns-records [<key dir>]}: the DNS records each signing domain must publish, as
 * zone-file lines: one TXT record per DKIM key relay-service signs with (read from the key
 * directory, where it creates them), and the SPF and DMARC records to start from. Exit status 0,
 * 1 when the directory holds no key yet (relay-service creates them at its first start), 2 usage.
 */
public final class DnsRecordsTool {
    private DnsRecordsTool() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1 || args[0].startsWith("-")) {
            System.err.println("usage: ./mailpipe dns-records   (DnsRecordsTool <dkim key dir>)");
            System.exit(2);
        }
        System.exit(print(Path.of(args[0]), System.out) ? 0 : 1);
    }

    /** Prints the records of every domain under {@code keyDir}; false when there is none. */
    static boolean print(Path keyDir, PrintStream out) throws IOException {
        List<String> domains = new ArrayList<>();
        if (Files.isDirectory(keyDir)) {
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(keyDir, Files::isDirectory)) {
                dirs.forEach(d -> domains.add(d.getFileName().toString()));
            }
        }
        domains.sort(null);
        boolean any = false;
        for (String domain : domains) {
            List<DkimKeys.Key> keys = DkimKeys.load(keyDir, domain);
            if (keys.isEmpty()) {
                continue;
            }
            any = true;
            out.println("; " + domain + ": the keys relay-service signs with (DKIM, RFC 6376 and 8463)");
            for (DkimKeys.Key k : keys) {
                out.println(k.recordName() + ". 3600 IN TXT " + quoted(k.recordText()));
            }
            out.println("; SPF (RFC 7208): the hosts mail from " + domain + " leaves from; list every outbound address");
            out.println(domain + ". 3600 IN TXT \"v=spf1 mx -all\"");
            out.println("; DMARC (RFC 7489): reports first (p=none), then p=quarantine or p=reject once they look right");
            out.println("_dmarc." + domain + ". 3600 IN TXT \"v=DMARC1; p=none; adkim=r; aspf=r; rua=mailto:postmaster@" + domain + "\"");
            out.println();
        }
        if (!any) {
            System.err.println("no DKIM keys in " + keyDir + " yet: relay-service creates them for each signing domain when it starts");
        }
        return any;
    }

    /** A TXT record's text as strings of at most 255 octets (RFC 1035 3.3.14). */
    static String quoted(String text) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < text.length(); i += 255) {
            sb.append(i == 0 ? "" : " ").append('"').append(text, i, Math.min(text.length(), i + 255)).append('"');
        }
        return sb.toString();
    }
}
