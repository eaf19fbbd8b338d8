package dev.mailpipe.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's view: {@code ./mailpipe status} reads each stage's group and lag from Kafka, and
 * {@code ./mailpipe scale} changes a stage's replicas while mail flows. A stopped stage shows its
 * waiting mail; two replicas of every consuming stage share the partitions and deliver each
 * message exactly once.
 */
@ExtendWith(SharedPipeline.class)
@Tag("e2e")
class OperatorStatusIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void aStoppedStageShowsItsLagAndCatchesUpWhenScaledBack() throws Exception {
        Pipeline p = SharedPipeline.get().pipeline;
        p.createMailbox("opal@example.test");
        try {
            assertScaled(p, "delivery-service", 0);
            JsonNode stopped = stage(statusJson(p), "delivery-service");
            assertEquals(0, stopped.path("members").asInt(), stopped.toString());
            long before = stopped.path("lag").asLong();
            Path msg = Swaks.message(tmp, "waiting.eml", "From: ops@y.test", "To: opal@example.test", "Subject: waits", "", "x");
            for (int i = 0; i < 5; i++) {
                assertTrue(Swaks.send(p.smtpPort, "ops@y.test", List.of("opal@example.test"), msg).contains("250 2.0.0"));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> stage(statusJson(p), "delivery-service").path("lag").asLong()
                    == before + 5);
            String screen = p.status();
            assertTrue(screen.contains("<- nobody reads it"), screen);
            assertTrue(screen.contains("delivery-service: stopped") || !screen.contains("delivery-service: running"), screen);

            long files = Pipeline.fileCount(p.maildir("example.test", "opal").resolve("new"));
            assertScaled(p, "delivery-service", 1);
            await().atMost(Duration.ofSeconds(60)).until(() -> stage(statusJson(p), "delivery-service").path("lag").asLong() == 0);
            JsonNode caughtUp = statusJson(p);
            assertEquals(1, stage(caughtUp, "delivery-service").path("members").asInt());
            assertTrue(caughtUp.path("lastMinute").path("accepted").asLong() >= 5, caughtUp.toString());
            assertTrue(caughtUp.path("lastMinute").path("delivered").asLong() >= 5, caughtUp.toString());
            assertEquals(files + 5, Pipeline.fileCount(p.maildir("example.test", "opal").resolve("new")));
        } finally {
            p.launcher("scale", "delivery-service", "1");
        }
    }

    @Test
    void twoReplicasOfEveryConsumingStageShareThePartitionsAndDeliverOnce() throws Exception {
        Pipeline p = SharedPipeline.get().pipeline;
        List<String> stages = List.of("routing-service", "relay-service", "delivery-service");
        p.createMailbox("otto@example.test");
        try {
            for (String s : stages) {
                assertScaled(p, s, 2);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                JsonNode status = statusJson(p);
                return stages.stream().allMatch(s -> stage(status, s).path("members").asInt() == 2);
            });
            Path otto = p.maildir("example.test", "otto").resolve("new");
            Path msg = Swaks.message(tmp, "shared.eml", "From: ops@y.test", "To: otto@example.test", "Subject: shared", "", "y");
            for (int i = 0; i < 20; i++) {
                assertTrue(Swaks.send(p.smtpPort, "ops@y.test", List.of("otto@example.test"), msg).contains("250 2.0.0"));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> Pipeline.fileCount(otto) >= 20
                    && stage(statusJson(p), "delivery-service").path("lag").asLong() == 0);
            Thread.sleep(2000); // a duplicate would come within this
            assertEquals(20, Pipeline.fileCount(otto), "each message once, with the partitions shared");
        } finally {
            for (String s : stages) {
                p.launcher("scale", s, "1");
            }
        }
    }

    @Test
    void scaleRefusesWhatItCannotDo() throws Exception {
        Pipeline p = SharedPipeline.get().pipeline;
        Pipeline.Answer unknown = p.launcher("scale", "no-such-service", "1");
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.output().contains("no service no-such-service"), unknown.output());
        Pipeline.Answer notANumber = p.launcher("scale", "delivery-service", "many");
        assertEquals(2, notANumber.exitCode(), notANumber.output());
        Pipeline.Answer badOption = p.launcher("status", "--colour");
        assertEquals(2, badOption.exitCode(), badOption.output());
    }

    private static void assertScaled(Pipeline p, String service, int n) throws Exception {
        Pipeline.Answer a = p.launcher("scale", service, String.valueOf(n));
        assertEquals(0, a.exitCode(), a.output());
        assertTrue(a.output().contains(service + ": " + n + " replica(s)"), a.output());
    }

    private static JsonNode statusJson(Pipeline p) throws Exception {
        Pipeline.Answer a = p.launcher("status", "--json");
        assertEquals(0, a.exitCode(), a.output());
        return JSON.readTree(a.output());
    }

    private static JsonNode stage(JsonNode status, String name) {
        for (JsonNode s : status.path("stages")) {
            if (s.path("stage").asText().equals(name)) {
                return s;
            }
        }
        throw new AssertionError("no stage " + name + " in " + status);
    }

}
