package dev.mailpipe.ops;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/**
 * queue-manager's API as the operator tools ask it: at {@code MAILPIPE_QUEUE_API}, as the
 * administrator with {@code MAILPIPE_API_ADMIN_PASSWORD} (./mailpipe sets both).
 */
final class QueueApi {
    /** Exit status when queue-manager cannot be asked or refuses. */
    static final int UNAVAILABLE = 3;

    private QueueApi() {
    }

    static String encode(String pathSegment) {
        return URLEncoder.encode(pathSegment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The answer, or null (with the reason on stderr) when queue-manager does not answer. */
    static HttpResponse<String> send(String method, String path, String accept) throws InterruptedException {
        Map<String, String> env = System.getenv();
        String api = env.getOrDefault("MAILPIPE_QUEUE_API", "http://127.0.0.1:8085");
        String password = env.getOrDefault("MAILPIPE_API_ADMIN_PASSWORD", "");
        HttpRequest request = HttpRequest.newBuilder(URI.create(api + path)).method(method, HttpRequest.BodyPublishers.noBody())
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(("admin:" + password)
                        .getBytes(StandardCharsets.UTF_8)))
                .header("Accept", accept).timeout(Duration.ofSeconds(90)).build();
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 401 || response.statusCode() == 403) {
                System.err.println("queue-manager refused the administrator's password (MAILPIPE_API_ADMIN_PASSWORD)");
                return null;
            }
            return response;
        } catch (IOException e) {
            System.err.println("queue-manager does not answer at " + api + " (" + e + "); is it running? ./mailpipe status");
            return null;
        }
    }
}
