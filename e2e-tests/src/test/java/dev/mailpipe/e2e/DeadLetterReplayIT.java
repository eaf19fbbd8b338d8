package dev.mailpipe.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.model.Envelope;
import dev.mailpipe.model.MailRecords;
import dev.mailpipe.model.Recipient;
import dev.mailpipe.model.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code ./mailpipe dead-letters}: a delivery that failed for a cause since fixed (as SmallRye's
 * dead-letter strategy records a failure delivery did not expect) is listed with its reason,
 * replayed once and delivered once; a record that fails again after its replay goes back to the
 * dead-letter topic once and stays there.
 */
@ExtendWith(SharedPipeline.class)
@Tag("e2e")
class DeadLetterReplayIT {

    @Test
    void aFixedFailureIsReplayedOnceAndDeliveredOnceAndARepeatedFailureDoesNotLoop() throws Exception {
        Pipeline p = SharedPipeline.get().pipeline;
        p.createMailbox("remy@example.test");
        String id = "replay-" + System.nanoTime();
        Envelope envelope = Envelope.received(id, Instant.now(), new Envelope.Client("127.0.0.1", "t", false, null),
                "s@y.test", List.of(Recipient.of("remy@example.test")), 40);
        var fixable = MailRecords.record(Topics.DEAD_LETTER, "remy@example.test", envelope,
                ("Subject: replayed " + id + "\r\n\r\nonce\r\n").getBytes(StandardCharsets.UTF_8));
        fixable.headers().add(new RecordHeader("dead-letter-topic", bytes(Topics.DELIVERY)));
        fixable.headers().add(new RecordHeader("dead-letter-reason", bytes("No space left on device")));
        // No envelope at all: delivery cannot use it, however often it comes back.
        var hopeless = new ProducerRecord<String, byte[]>(Topics.DEAD_LETTER, "remy@example.test", bytes("no envelope"));
        hopeless.headers().add(new RecordHeader("mailpipe-dead-letter-topic", bytes(Topics.DELIVERY)));
        hopeless.headers().add(new RecordHeader("mailpipe-dead-letter-reason", bytes("made by hand")));
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", p.bootstrapServers(),
                "acks", "all"), new StringSerializer(), new ByteArraySerializer())) {
            producer.send(fixable).get();
            producer.send(hopeless).get();
        }
        Pipeline.Answer list = p.launcher("dead-letters");
        assertEquals(0, list.exitCode(), list.output());
        assertTrue(list.output().contains("No space left on device") && list.output().contains("made by hand"), list.output());

        Pipeline.Answer replay = p.launcher("dead-letters", "replay");
        assertEquals(0, replay.exitCode(), replay.output());
        Path remy = p.maildir("example.test", "remy").resolve("new");
        await().atMost(Duration.ofSeconds(30)).until(() -> Pipeline.fileCount(remy) == 1);
        // The hopeless one failed again: delivery dead-letters it, marked as the result of a replay.
        await().atMost(Duration.ofSeconds(30)).until(() -> p.launcher("dead-letters").output().contains(" again "));

        Pipeline.Answer again = p.launcher("dead-letters", "replay");
        assertEquals(0, again.exitCode(), again.output());
        assertTrue(again.output().contains("0 record(s) replayed"), "nothing replayed twice, no loop: " + again.output());
        Thread.sleep(3000);
        assertEquals(1, Pipeline.fileCount(remy), "delivered once");
        Pipeline.Answer unknown = p.launcher("dead-letters", "replay", "#999999");
        assertEquals(1, unknown.exitCode(), unknown.output());
        assertTrue(unknown.output().contains("no dead letter #999999"), unknown.output());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

}
