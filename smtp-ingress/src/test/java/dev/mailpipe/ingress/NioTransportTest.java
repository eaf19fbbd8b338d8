package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.kafka.LocalKafkaResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The listeners where Netty's epoll transport is not used (other systems, or switched off): each
 * event loop still binds its own socket to the port, now through the JDK's {@code SO_REUSEPORT},
 * and mail goes through whichever loop the kernel picks.
 */
@QuarkusTest
@TestProfile(NioTransportTest.WithoutEpoll.class)
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@Tag("service")
class NioTransportTest {
    public static class WithoutEpoll implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.vertx.prefer-native-transport", "false");
        }
    }

    @Inject
    SmtpIngress ingress;

    @Inject
    io.vertx.core.Vertx vertx;

    @Test
    void everyLoopListensAndEveryConnectionIsServed() throws Exception {
        assertFalse(vertx.isNativeTransportEnabled(), "the NIO transport");
        assertEquals(2, ingress.eventLoopsOf(ingress.port()).size());
        String marker = "nio-" + UUID.randomUUID();
        int sessions = 6; // more than the loops, so that both sockets get some
        for (int i = 0; i < sessions; i++) {
            try (SmtpTestClient c = SmtpTestClient.greeted(ingress.port())) {
                assertEquals("250 2.1.0 Ok", c.send("MAIL FROM:<a@y.test>"));
                assertEquals("250 2.1.5 Ok", c.send("RCPT TO:<alice@example.test>"));
                assertEquals("354 End data with <CR><LF>.<CR><LF>", c.send("DATA"));
                assertTrue(c.send("Subject: " + marker + "\r\n\r\nbody\r\n.").startsWith("250 2.0.0 Ok: queued as "));
                assertEquals("221 2.0.0 Bye", c.send("QUIT"));
            }
        }
        assertEquals(sessions, InboundTopic.containing(marker).size());
    }
}
