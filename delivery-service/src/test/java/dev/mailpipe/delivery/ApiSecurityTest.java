package dev.mailpipe.delivery;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mailpipe.kafka.LocalKafkaResource;
import dev.mailpipe.runtime.MailboxRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Who may use which endpoint: the administrator the registry, a mailbox its own mail, nobody else anything. */
@QuarkusTest
@QuarkusTestResource(value = LocalKafkaResource.class, restrictToAnnotatedClass = true)
@Tag("service")
class ApiSecurityTest {
    private static final String ADMIN = "test-admin-secret";

    @Inject
    MailboxRegistry registry;

    @io.quarkus.test.common.http.TestHTTPResource(value = "/health/ready", management = true)
    java.net.URI health;

    @BeforeEach
    void mailboxesWithPasswords() {
        for (String m : new String[] {"hank@example.test", "iris@example.test"}) {
            given().auth().preemptive().basic("admin", ADMIN).contentType(ContentType.JSON)
                    .body("{\"password\": \"" + m + "-pw\"}").put("/api/mailboxes/" + m).then()
                    .statusCode(org.hamcrest.Matchers.oneOf(200, 201));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.mailbox("iris@example.test").isPresent()
                && registry.mailbox("hank@example.test").isPresent());
    }

    @Test
    void withoutCredentialsEveryEndpointAnswers401() {
        for (String path : new String[] {"/api/mailboxes", "/api/aliases", "/api/mailboxes/hank@example.test",
                "/api/mailboxes/hank@example.test/messages", "/api/mailboxes/hank@example.test/messages/x",
                "/api/mailboxes/hank@example.test/login"}) {
            given().get(path).then().statusCode(401).header("WWW-Authenticate", org.hamcrest.Matchers.containsStringIgnoringCase("basic realm=\"mailpipe\""));
        }
        given().contentType(ContentType.JSON).body("{}").put("/api/mailboxes/mallory@example.test").then().statusCode(401);
        given().delete("/api/mailboxes/hank@example.test").then().statusCode(401);
        given().contentType(ContentType.JSON).body("{\"target\": \"hank@example.test\"}")
                .put("/api/domains/example.test/catch-all").then().statusCode(401);
        given().auth().preemptive().basic("admin", "not the password").get("/api/mailboxes").then().statusCode(401);
        given().auth().preemptive().basic("hank@example.test", "wrong").get("/api/mailboxes/hank@example.test/messages")
                .then().statusCode(401);
        given().auth().preemptive().basic("nobody@example.test", "x").get("/api/mailboxes/nobody@example.test/messages")
                .then().statusCode(401);
    }

    @Test
    void healthIsOnTheManagementPortWithoutCredentialsAndNotBesideTheApi() throws Exception {
        var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(health).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), health + ": " + response.body());
        org.junit.jupiter.api.Assertions.assertNotEquals(io.restassured.RestAssured.port, health.getPort());
        given().get("/q/health/ready").then().statusCode(404);
        given().get("/q/metrics").then().statusCode(404);
    }

    @Test
    void aMailboxReadsItsOwnMailOnlyAndNeverTheRegistry() {
        var hank = given().auth().preemptive().basic("hank@example.test", "hank@example.test-pw");
        hank.get("/api/mailboxes/hank@example.test/messages").then().statusCode(200);
        given().auth().preemptive().basic("hank@example.test", "hank@example.test-pw")
                .get("/api/mailboxes/Hank@Example.test/messages").then().statusCode(200);
        given().auth().preemptive().basic("hank@example.test", "hank@example.test-pw")
                .get("/api/mailboxes/iris@example.test/messages").then().statusCode(403);
        given().auth().preemptive().basic("hank@example.test", "hank@example.test-pw")
                .get("/api/mailboxes/iris@example.test/messages/some-id").then().statusCode(403);
        given().auth().preemptive().basic("hank@example.test", "hank@example.test-pw")
                .get("/api/mailboxes").then().statusCode(403);
        given().auth().preemptive().basic("hank@example.test", "hank@example.test-pw").contentType(ContentType.JSON)
                .body("{\"password\": \"mine now\"}").put("/api/mailboxes/iris@example.test").then().statusCode(403);
        given().auth().preemptive().basic("admin", ADMIN).get("/api/mailboxes/iris@example.test/messages").then().statusCode(200);
    }

    @Test
    void theLoginCheckDovecotAsksPassesOnlyTheMailboxWithItsOwnPassword() {
        given().auth().preemptive().basic("hank@example.test", "hank@example.test-pw")
                .get("/api/mailboxes/hank@example.test/login").then().statusCode(204);
        given().auth().preemptive().basic("HANK@example.test", "hank@example.test-pw")
                .get("/api/mailboxes/Hank@Example.test/login").then().statusCode(204);
        given().auth().preemptive().basic("hank@example.test", "iris@example.test-pw")
                .get("/api/mailboxes/hank@example.test/login").then().statusCode(401);
        given().auth().preemptive().basic("iris@example.test", "iris@example.test-pw")
                .get("/api/mailboxes/hank@example.test/login").then().statusCode(403);
        given().auth().preemptive().basic("admin", ADMIN).get("/api/mailboxes/hank@example.test/login").then()
                .statusCode(403);
    }

    @Test
    void aClientWithTooManyFailedLoginsIsRefusedEvenTheRightPassword() throws Exception {
        String guesser = "127.0.0.61";
        for (int i = 0; i < 10; i++) {
            long started = System.nanoTime();
            assertEquals(401, status(guesser, "admin", "guess " + i));
            long millis = (System.nanoTime() - started) / 1_000_000;
            if (i >= 3) {
                org.junit.jupiter.api.Assertions.assertTrue(millis >= 200, "failure " + (i + 1) + " answered after "
                        + millis + " ms, before its delay");
            }
        }
        assertEquals(401, status(guesser, "admin", ADMIN), "locked out");
        assertEquals(200, status("127.0.0.62", "admin", ADMIN), "another address is not");
    }

    /**
     * Dovecot asks on behalf of its clients and names each in X-Forwarded-For. The API believes the
     * header from a trusted proxy only (the test profile trusts 127.0.0.2): a guesser behind it is
     * locked out by its own address while others' logins through the same proxy still pass, and a
     * client that is not a proxy cannot dodge its count by naming someone else.
     */
    @Test
    void failuresCountAgainstTheClientATrustedProxyNamesAndNoOtherHeaderIsBelieved() throws Exception {
        String proxy = "127.0.0.2";
        for (int i = 0; i < 10; i++) {
            assertEquals(401, status(proxy, "198.51.100.7", "admin", "guess " + i));
        }
        assertEquals(401, status(proxy, "198.51.100.7", "admin", ADMIN), "the guesser behind the proxy is locked out");
        assertEquals(200, status(proxy, "198.51.100.8", "admin", ADMIN), "another client through the same proxy is not");
        assertEquals(200, status(proxy, null, "admin", ADMIN), "nor the proxy itself");

        String untrusted = "127.0.0.63";
        for (int i = 0; i < 10; i++) {
            assertEquals(401, status(untrusted, "198.51.100." + (20 + i), "admin", "guess " + i));
        }
        assertEquals(401, status(untrusted, "198.51.100.99", "admin", ADMIN), "counted by its own address");
    }

    private static int status(String source, String user, String password) throws IOException {
        return status(source, null, user, password);
    }

    /** One GET of the registry from {@code source}, as raw HTTP: the status code. */
    private static int status(String source, String forwardedFor, String user, String password) throws IOException {
        int port = io.restassured.RestAssured.port;
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(source, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(20_000);
            String auth = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            String forwarded = forwardedFor == null ? "" : "X-Forwarded-For: " + forwardedFor + "\r\n";
            out.write(("GET /api/mailboxes HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic " + auth
                    + "\r\n" + forwarded + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String status = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            return Integer.parseInt(status.substring(9, 12));
        }
    }
}
