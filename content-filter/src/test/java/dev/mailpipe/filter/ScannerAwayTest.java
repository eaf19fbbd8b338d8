package dev.mailpipe.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * rspamd away after the queue: the poll is read again later (the loop aborts its transaction), and
 * nothing is lost or passed on unscanned until the message has waited {@code unscanned-after}.
 */
@Tag("unit")
class ScannerAwayTest {
    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private ContentFilter filter(int port) {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(FilterConfig.class)
                .withConverter(Duration.class, 200, new io.quarkus.runtime.configuration.DurationConverter())
                .withDefaultValue("mailpipe.filter.rspamd-url", "http://127.0.0.1:" + port)
                .withDefaultValue("mailpipe.filter.timeout", "2s").build();
        return new ContentFilter(config.getConfigMapping(FilterConfig.class), vertx, new SimpleMeterRegistry());
    }

    private static ConsumerRecord<String, byte[]> queued(Instant receivedAt) {
        Envelope e = Envelope.received("q1", receivedAt, new Envelope.Client("198.51.100.7", "c.test", false, null),
                "s@remote.test", List.of(Recipient.of("alice@example.test")), 20);
        ProducerRecord<String, byte[]> r = MailRecords.record(Topics.SCAN, "q1", e, "Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
        ConsumerRecord<String, byte[]> c = new ConsumerRecord<>(Topics.SCAN, 0, 7, r.key(), r.value());
        r.headers().forEach(h -> c.headers().add(h));
        return c;
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void aFreshMessageWaitsForTheScanner() throws Exception {
        ContentFilter filter = filter(closedPort());
        RuntimeException e = assertThrows(ContentFilter.ScannerUnavailable.class, () -> filter.scan(List.of(queued(Instant.now()))));
        assertTrue(e.getMessage().startsWith("rspamd did not scan q1: "), e.getMessage());
    }

    @Test
    void aMessageThatWaitedLongEnoughGoesOnMarkedUnscanned() throws Exception {
        ContentFilter filter = filter(closedPort());
        List<ProducerRecord<String, byte[]>> out = filter.scan(List.of(queued(Instant.now().minus(Duration.ofHours(2)))));
        ProducerRecord<String, byte[]> passed = out.stream().filter(r -> r.topic().equals(Topics.INBOUND)).findFirst().orElseThrow();
        Envelope e = MailRecords.envelope(passed.headers());
        assertTrue(e.contentScan().orElseThrow().startsWith("unscanned: "), e.contentScan().orElseThrow());
        assertEquals("Subject: hi\r\n\r\nbody\r\n", new String(passed.value(), StandardCharsets.US_ASCII), "unchanged");
        assertEquals(1, out.stream().filter(r -> r.topic().equals(Topics.EVENTS)).count());
    }
}
