package dev.mailpipe.ops;

import dev.mailpipe.runtime.DkimKeys;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./mailpipe dns-records}: the DNS records each signing domain must publish, as zone-file
 * lines: one TXT record per DKIM key relay-service signs with (read from the key directory, where
 * it creates them), the SPF and DMARC records to start from, and, given the ingress's key store and
 * host name, the TLSA record of its certificate's key (DANE-EE, RFC 7672) and an MTA-STS record
 * with the policy file a web server must serve (RFC 8461). Exit status 0, 1 when the directory
 * holds no key yet (relay-service creates them at its first start), 2 usage.
 */
public final class DnsRecordsTool {
    private DnsRecordsTool() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1 && args.length != 3 || args[0].startsWith("-")) {
            System.err.println("usage: ./mailpipe dns-records   (DnsRecordsTool <dkim key dir> [<PKCS#12 key store> <MX host name>],"
                    + " the key store's password in MAILPIPE_INGRESS_TLS_KEYSTORE_PASSWORD)");
            System.exit(2);
        }
        // The password from the environment: a command line is visible to every user of the machine.
        String password = System.getenv().getOrDefault("MAILPIPE_INGRESS_TLS_KEYSTORE_PASSWORD", "");
        Listener mx = args.length == 3 ? new Listener(Path.of(args[1]), password, args[2]) : null;
        System.exit(print(Path.of(args[0]), mx, System.out) ? 0 : 1);
    }

    /** The ingress's STARTTLS key store, and the name it answers as MX. */
    record Listener(Path keystore, String password, String hostname) {
        /** SHA-256 of the certificate's SubjectPublicKeyInfo: TLSA 3 1 1 (RFC 7671 5.1: it survives renewals that keep the key). */
        String spkiSha256() throws IOException {
            try (var in = java.nio.file.Files.newInputStream(keystore)) {
                java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
                ks.load(in, password.toCharArray());
                for (String alias : java.util.Collections.list(ks.aliases())) {
                    if (ks.isKeyEntry(alias)) {
                        byte[] spki = ks.getCertificate(alias).getPublicKey().getEncoded();
                        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(spki));
                    }
                }
                throw new IOException("no key in " + keystore);
            } catch (java.security.GeneralSecurityException e) {
                throw new IOException("cannot read " + keystore + ": " + e.getMessage(), e);
            }
        }
    }

    /** Prints the records of every domain under {@code keyDir}; false when there is none. */
    static boolean print(Path keyDir, PrintStream out) throws IOException {
        return print(keyDir, null, out);
    }

    static boolean print(Path keyDir, Listener mx, PrintStream out) throws IOException {
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
            if (mx != null) {
                out.println("; MTA-STS (RFC 8461): serve this file as https://mta-sts." + domain + "/.well-known/mta-sts.txt (text/plain),");
                out.println(";   version: STSv1 / mode: testing / mx: " + mx.hostname() + " / max_age: 604800   (one field a line; enforce once");
                out.println(";   reports look right), then publish, with a new id at each change of the file:");
                out.println("_mta-sts." + domain + ". 3600 IN TXT \"v=STSv1; id=" + java.time.LocalDate.now(java.time.ZoneOffset.UTC)
                        .toString().replace("-", "") + "\"");
            }
            out.println();
        }
        if (any && mx != null) {
            out.println("; DANE (RFC 7672) for mail to " + mx.hostname() + ": its STARTTLS key (DANE-EE, SPKI, SHA-256), in a");
            out.println("; DNSSEC-signed zone; publish the next key's record before the key changes");
            out.println("_25._tcp." + mx.hostname() + ". 3600 IN TLSA 3 1 1 " + mx.spkiSha256());
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
