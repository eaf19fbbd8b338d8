package dev.mailpipe.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("unit")
class ScratchTest {
    @TempDir
    Path dir;

    @Test
    void logsStayAndMailQueuesAndKafkaSegmentsGo() throws Exception {
        for (String f : List.of("logs/routing-service.log", "launcher.log", "postfix/maillog.log",
                "kafka/logs/mail.inbound-0/00000000000000000000.log", "kafka/logs/mail.inbound-0/00000000000000000000.index",
                "mail/example.test/alice/Maildir/new/1796124623.M5.mailpipe,S=2391", "postfix/queue/active/4XyZ")) {
            Path p = dir.resolve(f);
            Files.createDirectories(p.getParent());
            Files.writeString(p, "x");
        }
        Scratch.keepOnlyLogs(dir);
        try (Stream<Path> left = Files.walk(dir)) {
            assertEquals(List.of("launcher.log", "logs", "logs/routing-service.log", "postfix", "postfix/maillog.log"),
                    left.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString()).sorted().toList());
        }
    }
}
