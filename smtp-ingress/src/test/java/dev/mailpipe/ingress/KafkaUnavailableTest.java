package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.kafka.LocalKafkaResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import org.awaitility.Awaitility;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** When the broker goes away, end of data answers 451 4.3.0 in bounded time and the session lives on. */
@QuarkusTest
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@Tag("service")
class KafkaUnavailableTest {
    @Inject
    SmtpIngress ingress;

    @TestHTTPResource(value = "/health/ready", management = true)
    URI ready;

    private int readiness() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(ready).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void noAcknowledgementMeans451AndTheClientKeepsTheMessage() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.greeted(ingress.port())) {
            c.send("MAIL FROM:<a@y.test>");
            c.send("RCPT TO:<alice@example.test>");
            c.send("DATA");
            assertTrue(c.send("Subject: before\r\n\r\nx\r\n.").startsWith("250 2.0.0 Ok: queued as"));
            assertEquals(200, readiness(), "ready while Kafka acknowledges");

            LocalKafkaResource.lastStarted().close();

            c.send("MAIL FROM:<a@y.test>");
            c.send("RCPT TO:<alice@example.test>");
            c.send("DATA");
            long started = System.nanoTime();
            assertEquals("451 4.3.0 Error: queue unavailable, try again later", c.send("Subject: after\r\n\r\nx\r\n."));
            long seconds = (System.nanoTime() - started) / 1_000_000_000L;
            assertTrue(seconds <= 6, "answered within the publish timeout (3 s here), took " + seconds + " s");
            assertEquals(503, readiness(), "not ready once Kafka refused a message: clients would only hear 451");
            assertEquals("250 2.0.0 Ok", c.send("NOOP"), "the session is still usable");
            assertEquals("250 2.1.0 Ok", c.send("MAIL FROM:<a@y.test>"));
        }
        // Forgotten after three publish timeouts (9 s here): out of a load balancer's rotation for
        // good, the replica would never learn that Kafka is back.
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> readiness() == 200);
    }
}
