package dev.mailpipe.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./mailpipe trace <queue id | Message-ID> [--json]}: one message's history, in order, per
 * recipient, with the remote replies and times, from queue-manager's trace index (which reads only
 * that message's events, not the whole of mail.events). Exit status: 0 found, 1 no events for it,
 * 2 usage, 3 queue-manager unreachable.
 */
public final class TraceTool {
    private TraceTool() {
    }

    public static void main(String[] args) throws Exception {
        List<String> words = new ArrayList<>(List.of(args));
        boolean json = words.remove("--json");
        if (words.size() != 1 || words.get(0).isBlank()) {
            System.err.println("usage: ./mailpipe trace <queue id | Message-ID> [--json]");
            System.exit(2);
        }
        HttpResponse<String> response = QueueApi.send("GET", "/api/trace/" + QueueApi.encode(words.get(0)),
                json ? "application/json" : "text/plain");
        if (response == null) {
            System.exit(QueueApi.UNAVAILABLE);
        }
        switch (response.statusCode()) {
            case 200 -> System.out.print(json ? pretty(response.body()) : response.body());
            case 404 -> {
                System.err.println(new ObjectMapper().readTree(response.body()).path("error").asText("no such message"));
                System.exit(1);
            }
            default -> {
                System.err.println("queue-manager answered " + response.statusCode() + ": " + response.body());
                System.exit(QueueApi.UNAVAILABLE);
            }
        }
    }

    private static String pretty(String body) {
        try {
            return new ObjectMapper().readTree(body).toPrettyString() + "\n";
        } catch (IOException e) {
            return body;
        }
    }
}
