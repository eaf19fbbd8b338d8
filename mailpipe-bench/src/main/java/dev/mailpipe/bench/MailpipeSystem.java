package dev.mailpipe.bench;

import dev.mailpipe.peers.ChildProcess;
import dev.mailpipe.peers.Loopback;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** mailpipe's local stack as a user starts it: {@code ./mailpipe up}, settings through the environment. */
record MailpipeSystem(String name, ChildProcess launcher, Path mailRoot, int smtpPort) implements MailSystem {

    /** {@code brokerSettings}: MAILPIPE_BROKER_SETTINGS, empty for the defaults; {@code settings}: more environment. */
    static MailpipeSystem start(String name, Path data, String dns, int relayPort, List<String> mailboxes,
            String brokerSettings, Map<String, String> settings) throws IOException, InterruptedException {
        int port = Loopback.freePort();
        Map<String, String> env = new HashMap<>();
        env.put("MAILPIPE_DATA", data.toString());
        // One range for every listener of the stack (ranges chosen apart may overlap): HTTP base+1..5,
        // management base+6..10, the broker base+11 and its controller base+12.
        int ports = Loopback.freeRange(12);
        env.put("MAILPIPE_HTTP_PORT_BASE", String.valueOf(ports));
        env.put("MAILPIPE_MANAGEMENT_PORT_BASE", String.valueOf(ports + 5));
        env.put("MAILPIPE_KAFKA_PORT", String.valueOf(ports + 11));
        env.put("MAILPIPE_INGRESS_PORT", String.valueOf(port));
        env.put("MAILPIPE_INGRESS_SUBMISSION_PORT", "-1");
        env.put("MAILPIPE_INGRESS_MAX_CONNECTIONS_PER_CLIENT", "200");
        env.put("MAILPIPE_LOCAL_MAILBOXES", String.join(",", mailboxes));
        env.put("MAILPIPE_ROUTING_DNS_SERVERS", dns);
        env.put("MAILPIPE_RELAY_PORT", String.valueOf(relayPort));
        env.put("MAILPIPE_BROKER_SETTINGS", brokerSettings);
        // Every name the ingress's checks ask goes to the benchmark's own DNS, never out.
        env.put("MAILPIPE_INGRESS_SENDER_CHECKS_DNS_SERVERS", dns);
        env.put("MAILPIPE_INGRESS_DOOR_DNS_SERVERS", dns);
        env.putAll(settings);
        // Experiments with JVM options pass through, as to any ./mailpipe up, and so do the
        // ingress's settings (the door on for a client outside the relay networks, say).
        for (var knob : System.getenv().entrySet()) {
            if (List.of("MAILPIPE_JAVA_OPTS", "MAILPIPE_JIT_OPTS", "MAILPIPE_HEAP", "MAILPIPE_MEMORY_OPTS",
                    "MAILPIPE_BROKER_MEMORY_OPTS").contains(knob.getKey())
                    || knob.getKey().startsWith("MAILPIPE_INGRESS_") && !env.containsKey(knob.getKey())) {
                env.put(knob.getKey(), knob.getValue());
            }
        }
        ChildProcess p = ChildProcess.start("mailpipe up", List.of("./mailpipe", "up"), Loopback.repoRoot(), env,
                data.resolve("launcher.log"));
        p.awaitOutput("mailpipe is up", Duration.ofMinutes(3));
        return new MailpipeSystem(name, p, data.resolve("mail"), port);
    }

    @Override
    public Set<Long> processes() {
        return Set.of(launcher.pid());
    }

    @Override
    public void close() throws Exception {
        launcher.stop(Duration.ofSeconds(60));
    }
}
