package dev.mailpipe.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./mailpipe destination}: the operator's actions on a destination (a recipient domain, or
 * a site such as {@code *.google.com}), through queue-manager's API as the administrator:
 * {@code list}, {@code suspend <destination> [--for 1h] [--reason <text>]}, {@code bounce
 * <destination> --reason <text> [--for 5m]}, {@code resume <destination>}. Exit status: 0 done, 1
 * nothing to resume, 2 usage or refused, 3 queue-manager unreachable or failing.
 */
public final class DestinationTool {
    private DestinationTool() {
    }

    public static void main(String[] args) throws Exception {
        List<String> words = new ArrayList<>(List.of(args));
        String duration = option(words, "--for");
        String reason = option(words, "--reason");
        String verb = words.isEmpty() ? "list" : words.remove(0);
        int status = switch (verb) {
            case "list" -> words.isEmpty() ? list() : usage();
            case "suspend", "bounce" -> words.size() == 1 ? act("POST", "/api/destinations/" + QueueApi.encode(words.get(0)) + "/" + verb
                    + query(duration, reason), verb) : usage();
            case "resume" -> words.size() == 1 ? act("DELETE", "/api/destinations/" + QueueApi.encode(words.get(0)), verb) : usage();
            default -> usage();
        };
        System.exit(status);
    }

    private static String option(List<String> words, String name) {
        int i = words.indexOf(name);
        if (i < 0 || i + 1 >= words.size()) {
            return null;
        }
        String value = words.get(i + 1);
        words.subList(i, i + 2).clear();
        return value;
    }

    private static String query(String duration, String reason) {
        List<String> q = new ArrayList<>();
        if (duration != null) {
            q.add("for=" + QueueApi.encode(duration));
        }
        if (reason != null) {
            q.add("reason=" + QueueApi.encode(reason));
        }
        return q.isEmpty() ? "" : "?" + String.join("&", q);
    }

    private static int usage() {
        System.err.println("usage: ./mailpipe destination [list] | suspend <destination> [--for 1h] [--reason <text>]"
                + " | bounce <destination> --reason <text> [--for 5m] | resume <destination>");
        return 2;
    }

    private static int list() throws InterruptedException {
        HttpResponse<String> r = QueueApi.send("GET", "/api/destinations", "application/json");
        JsonNode body = r == null ? null : json(r.body());
        if (r == null || r.statusCode() != 200 || body == null) {
            return failed(r);
        }
        if (body.isEmpty()) {
            System.out.println("no destination is suspended or bounced");
        }
        for (JsonNode a : body) {
            System.out.printf("%-40s %-8s until %s  %s%n", a.path("destination").asText(), a.path("action").asText(),
                    a.path("until").asText(), a.path("reason").asText());
        }
        return 0;
    }

    private static int act(String method, String path, String verb) throws InterruptedException {
        HttpResponse<String> r = QueueApi.send(method, path, "application/json");
        if (r == null) {
            return QueueApi.UNAVAILABLE;
        }
        JsonNode body = json(r.body());
        return switch (r.statusCode()) {
            case 200 -> {
                System.out.println(verb + ": " + (body == null ? r.body() : body.toString()));
                yield 0;
            }
            case 404 -> {
                System.err.println(body == null ? "nothing to " + verb : body.path("error").asText());
                yield 1;
            }
            case 400 -> {
                System.err.println(body == null ? "refused" : body.path("error").asText());
                yield 2;
            }
            default -> failed(r);
        };
    }

    private static int failed(HttpResponse<String> r) {
        System.err.println(r == null ? "queue-manager cannot be reached" : "queue-manager answered " + r.statusCode() + ": " + r.body());
        return QueueApi.UNAVAILABLE;
    }

    private static JsonNode json(String text) {
        try {
            return new ObjectMapper().readTree(text);
        } catch (IOException e) {
            return null;
        }
    }
}
