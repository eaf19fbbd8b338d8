package dev.mailpipe.peers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** python3-dkim (dkimpy) verifying every DKIM-Signature of a message, keys from zone files (dkim-verify.py). */
public final class Dkimpy {
    private Dkimpy() {
    }

    /** One line per signature, {@code "<d> <s> pass"} or {@code "... fail"}, in the order of the fields. */
    public static String verify(byte[] message, Path zone, Path workDir) throws IOException, InterruptedException {
        DebianPeers.require("python:dkim");
        Path script = Loopback.resource("dkim-verify.py", workDir);
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), zone.toString()).redirectErrorStream(true).start();
        p.getOutputStream().write(message);
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }
}
