package dev.mailpipe.peers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A zone signed with ldnsutils' {@code ldns-keygen} and {@code ldns-signzone} (ECDSA P-256, a key-
 * and a zone-signing key, NSEC3): the signed text for NSD to serve, and the DS record of its key
 * that a validator takes as trust anchor.
 */
public final class SignedZone {
    public final String name;
    /** The signed zone file. */
    public final Path file;
    /** The key-signing key's DS record, zone-file text. */
    public final Path trustAnchor;

    private SignedZone(String name, Path file, Path trustAnchor) {
        this.name = name;
        this.file = file;
        this.trustAnchor = trustAnchor;
    }

    public static SignedZone sign(Path dir, String name, String zoneText) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path zone = Files.writeString(dir.resolve(name + ".zone"), zoneText);
        String ksk = run(dir, "ldns-keygen", "-a", "ECDSAP256SHA256", "-k", name).trim();
        String zsk = run(dir, "ldns-keygen", "-a", "ECDSAP256SHA256", name).trim();
        run(dir, "ldns-signzone", "-n", "-f", dir.resolve(name + ".signed").toString(), zone.toString(), ksk, zsk);
        return new SignedZone(name, dir.resolve(name + ".signed"), dir.resolve(ksk + ".ds"));
    }

    /**
     * Gives the record of {@code owner} and {@code type} other data after signing, its signature
     * left as it was: what an attacker on the path could send, and a validator must call bogus.
     */
    public void tamper(String owner, String type, String rdata) throws IOException {
        List<String> out = new ArrayList<>();
        boolean done = false;
        for (String line : Files.readAllLines(file)) {
            String[] f = line.split("\t");
            if (f.length == 5 && f[0].equalsIgnoreCase(owner) && f[3].equals(type)) {
                line = String.join("\t", f[0], f[1], f[2], f[3], rdata);
                done = true;
            }
            out.add(line);
        }
        if (!done) {
            throw new IllegalArgumentException("no " + type + " record of " + owner + " in " + file);
        }
        Files.write(file, out);
    }

    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(List.of(command))).directory(dir.toFile()).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out + err);
        }
        return out;
    }
}
