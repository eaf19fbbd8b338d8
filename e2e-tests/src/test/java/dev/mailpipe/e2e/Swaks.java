package dev.mailpipe.e2e;

import dev.mailpipe.peers.DebianPeers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Sends mail with swaks, the SMTP test client from Debian, and returns its transcript. */
final class Swaks {
    private Swaks() {
    }

    static String send(int port, String from, List<String> to, Path data, String... extra)
            throws IOException, InterruptedException {
        return sendTo("127.0.0.1:" + port, from, to, data, extra);
    }

    /** As {@link #send}, to the server at {@code server} (address:port). */
    static String sendTo(String server, String from, List<String> to, Path data, String... extra)
            throws IOException, InterruptedException {
        DebianPeers.require("swaks");
        if (List.of(extra).contains("--tls")) {
            DebianPeers.require("perl:Net::SSLeay", "perl:IO::Socket::SSL");
        }
        if (List.of(extra).contains("--auth")) {
            DebianPeers.require("perl:Authen::SASL");
        }
        List<String> cmd = new ArrayList<>(List.of("swaks", "--server", server, "--from", from,
                "--to", String.join(",", to), "--timeout", "30"));
        if (data != null) {
            cmd.add("--data");
            cmd.add(data.toString());
        }
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    /**
     * Writes a message with CRLF line ends and returns its file. The last line has no CRLF: swaks
     * adds CRLF "." CRLF after the data, so the message on the wire ends with exactly one CRLF.
     */
    static Path message(Path dir, String name, String... lines) throws IOException {
        Files.createDirectories(dir);
        Path f = dir.resolve(name);
        Files.writeString(f, String.join("\r\n", lines), StandardCharsets.UTF_8);
        return f;
    }

    /** The message as it travels: the file's text and the final CRLF swaks adds. */
    static String wireForm(Path message) throws IOException {
        return Files.readString(message, StandardCharsets.UTF_8) + "\r\n";
    }
}
