package dev.mailpipe.peers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The real peers of the tests, as {@code test-peers/debian-packages} lists them: which Debian package
 * provides a program, a Perl module ({@code perl:Net::SSLeay}) or a Python module
 * ({@code python:aiosmtpd}). A test that finds one missing fails with the package to install,
 * not with a transcript that leaves the reader guessing.
 */
public final class DebianPeers {
    private static final String LIST = "test-peers/debian-packages";

    private DebianPeers() {
    }

    /** Throws, naming the package, unless every one of these programs or modules is here. */
    public static void require(String... probes) {
        for (String probe : probes) {
            if (!present(probe)) {
                throw new IllegalStateException(missing(probe));
            }
        }
    }

    /** The sentence a test fails with when {@code probe} is missing. */
    public static String missing(String probe) {
        String pkg = packages().getOrDefault(probe, "(not listed in " + LIST + ")");
        return probe + " is missing: install the Debian package " + pkg + " (apt-get install -y " + pkg
                + ", or run ./mailpipe test as root, which installs every peer in " + LIST + ")";
    }

    static boolean present(String probe) {
        if (probe.startsWith("perl:")) {
            return succeeds(List.of("perl", "-M" + probe.substring(5), "-e", "1"));
        }
        if (probe.startsWith("python:")) {
            return succeeds(List.of("/usr/bin/python3", "-c", "import " + probe.substring(7)));
        }
        if (probe.startsWith("/")) {
            return Files.exists(Path.of(probe));
        }
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin";
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, probe))) {
                return true;
            }
        }
        return false;
    }

    private static boolean succeeds(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Probe to package; a program of a listed package (smtp-sink of postfix) by its package's name. */
    static Map<String, String> packages() {
        Map<String, String> byProbe = new LinkedHashMap<>(Map.of("smtp-sink", "postfix", "dovecot", "dovecot-imapd",
                "perl", "perl"));
        try {
            for (String line : Files.readAllLines(Loopback.repoRoot().resolve(LIST))) {
                String[] cols = line.trim().split("\\s+");
                if (cols.length == 2 && !cols[0].startsWith("#")) {
                    byProbe.put(cols[1], cols[0]);
                }
            }
        } catch (IOException e) {
            // Without the list the message still names the program.
        }
        return byProbe;
    }
}
