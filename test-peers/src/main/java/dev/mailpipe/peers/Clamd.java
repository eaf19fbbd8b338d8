package dev.mailpipe.peers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Debian's clamd on a socket of its own, with a signature database made here and nothing
 * downloaded: the EICAR test string ({@code Eicar-Test-Signature}) and ClamAV's own test files from
 * {@code clamav-testfiles} ({@code ClamAV-Test-File}).
 */
public final class Clamd implements AutoCloseable {
    /** The EICAR anti-virus test file, which every scanner detects and which is harmless. */
    public static final String EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

    private final ChildProcess process;
    public final Path socket;

    private Clamd(ChildProcess process, Path socket) {
        this.process = process;
        this.socket = socket;
    }

    public static Clamd start(Path dir) throws IOException, InterruptedException {
        DebianPeers.require("clamd");
        Path db = Files.createDirectories(dir.resolve("db"));
        Files.writeString(db.resolve("mailpipe-test.ndb"), "Eicar-Test-Signature:0:*:"
                + HexFormat.of().formatHex(EICAR.getBytes(StandardCharsets.US_ASCII)) + "\n");
        Path socket = dir.resolve("clamd.sock");
        Path conf = Files.writeString(dir.resolve("clamd.conf"), String.join("\n",
                "LocalSocket " + socket,
                "DatabaseDirectory " + db,
                "Foreground yes",
                "LogFile " + dir.resolve("clamd.log"),
                "PidFile " + dir.resolve("clamd.pid"),
                "TemporaryDirectory " + Files.createDirectories(dir.resolve("tmp")),
                "MaxThreads 4",
                "") + "\n");
        ChildProcess p = ChildProcess.start("clamd", List.of("clamd", "--foreground=yes", "-c", conf.toString()), dir,
                Map.of(), dir.resolve("clamd.out"));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.exists(socket)) {
            if (System.nanoTime() > deadline) {
                p.close();
                throw new IllegalStateException("clamd did not open " + socket + ": " + Files.readString(dir.resolve("clamd.out")));
            }
            Thread.sleep(100);
        }
        return new Clamd(p, socket);
    }

    @Override
    public void close() throws InterruptedException {
        process.stop(Duration.ofSeconds(5));
    }
}
