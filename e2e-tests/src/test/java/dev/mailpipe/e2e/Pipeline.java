package dev.mailpipe.e2e;

import java.io.IOException;
import java.nio.file.Files;
import dev.mailpipe.peers.ChildProcess;
import dev.mailpipe.peers.DnsServer;
import dev.mailpipe.peers.Loopback;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole pipeline, started exactly as a user starts it: {@code ./mailpipe up}, with settings
 * passed through the environment. Broker and services get free ports; data goes to a temporary
 * directory.
 */
final class Pipeline implements AutoCloseable {
    private final ChildProcess launcher;
    private final Path data;
    private final Map<String, String> env;
    final int smtpPort;
    final int kafkaPort;
    final int httpBase;

    private Pipeline(ChildProcess launcher, Path data, Map<String, String> env, int smtpPort, int kafkaPort,
            int httpBase) {
        this.launcher = launcher;
        this.data = data;
        this.env = env;
        this.smtpPort = smtpPort;
        this.kafkaPort = kafkaPort;
        this.httpBase = httpBase;
    }

    /**
     * A pipeline that finds MX hosts through {@code dns} (the zones the test serves) and relays to
     * {@code relayPort} of whichever loopback address they name, with {@code settings} besides.
     */
    static Pipeline relaying(Path data, DnsServer dns, int relayPort, Map<String, String> settings)
            throws IOException, InterruptedException {
        Map<String, String> all = new HashMap<>(settings);
        all.put("MAILPIPE_ROUTING_DNS_SERVERS", dns.address());
        all.put("MAILPIPE_RELAY_PORT", String.valueOf(relayPort));
        return start(data, all);
    }

    static Pipeline start(Path data, Map<String, String> settings) throws IOException, InterruptedException {
        Files.createDirectories(data);
        // One range for every listener of the stack, since ranges chosen apart may overlap: five
        // services and up to three replicas of each (replica k adds 5(k-1)), HTTP at base+1..15,
        // management at base+16..30, the broker at base+31 and its controller at base+32.
        int http = Loopback.freeRange(32);
        int kafka = http + 31;
        int smtp = Loopback.freePort();
        Map<String, String> env = new HashMap<>(settings);
        env.put("MAILPIPE_DATA", data.toString());
        env.put("MAILPIPE_KAFKA_PORT", String.valueOf(kafka));
        env.put("MAILPIPE_HTTP_PORT_BASE", String.valueOf(http));
        env.put("MAILPIPE_MANAGEMENT_PORT_BASE", String.valueOf(http + 15));
        env.put("MAILPIPE_INGRESS_PORT", String.valueOf(smtp));
        env.put("MAILPIPE_INGRESS_SUBMISSION_PORT", String.valueOf(Loopback.freePort()));
        env.put("MAILPIPE_PARTITIONS", "2");
        ChildProcess p = ChildProcess.start("mailpipe up", List.of("./mailpipe", "up"), Loopback.repoRoot(), env,
                data.resolve("launcher.log"));
        try {
            p.awaitOutput("mailpipe is up", Duration.ofMinutes(3));
        } catch (RuntimeException e) {
            stopQuietly(p, data, env);
            throw e;
        }
        return new Pipeline(p, data, env, smtp, kafka, http);
    }

    Path mailRoot() {
        return data.resolve("mail");
    }

    Path maildir(String domain, String local) {
        return mailRoot().resolve(domain).resolve(local).resolve("Maildir");
    }

    /** The HTTP Basic header of the registry API's administrator, whose password the launcher made. */
    String adminAuthorization() throws IOException {
        return basic("admin", Files.readString(data.resolve("admin-password")).trim());
    }

    /** The console's address with the administrator's login in it, as a browser may open it. */
    String consoleUrlWithLogin() throws IOException {
        return "http://admin:" + Files.readString(data.resolve("admin-password")).trim() + "@127.0.0.1:" + (httpBase + 5) + "/console";
    }

    /**
     * Creates a mailbox through the registry API, for a test that counts its own mail in a
     * pipeline other tests share; waits until the ingress accepts it as a recipient.
     */
    void createMailbox(String address) throws IOException, InterruptedException {
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + (httpBase + 4)
                + "/api/mailboxes/" + address)).PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{}"))
                .header("Content-Type", "application/json").header("Authorization", adminAuthorization()).build();
        int status = java.net.http.HttpClient.newHttpClient().send(request,
                java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status != 201 && status != 200) {
            throw new IOException("PUT mailbox " + address + ": " + status);
        }
        // The registry reaches the ingress through mail.accounts: ask (RCPT only, no message) until it takes it.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> Swaks.send(smtpPort, "ops@y.test",
                List.of(address), null, "--quit-after", "RCPT").contains("250 2.1.5"));
    }

    /** How many files a directory holds (a Maildir's new/), 0 while it does not exist. */
    static long fileCount(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    static String basic(String user, String password) {
        return "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    String bootstrapServers() {
        return "127.0.0.1:" + kafkaPort;
    }

    String log(String service) throws IOException {
        Path f = data.resolve("logs").resolve(service + ".log");
        return Files.exists(f) ? Files.readString(f) : "";
    }

    /** The pid of a process the launcher started ({@code kafka} or a service), from its pid file. */
    long pid(String name) throws IOException {
        return Long.parseLong(Files.readString(data.resolve("run").resolve(name + ".pid")).trim());
    }

    /** kill -9, as a crash: no shutdown hook, nothing flushed; the launcher's supervisor restarts it. */
    void kill(String name) throws IOException {
        ProcessHandle.of(pid(name)).ifPresent(ProcessHandle::destroyForcibly);
    }

    /** SIGTERM, as an orchestrator stops a pod: the process shuts down on its own; the supervisor restarts it. */
    void stop(String name) throws IOException {
        ProcessHandle.of(pid(name)).ifPresent(ProcessHandle::destroy);
    }

    /** How often the supervisor restarted {@code name} since {@code up}. */
    int restarts(String name) throws IOException {
        Path f = data.resolve("run").resolve(name + ".restarts");
        return Files.exists(f) ? Integer.parseInt(Files.readString(f).trim()) : 0;
    }

    /** What {@code ./mailpipe status} prints for this pipeline. */
    String status() throws IOException, InterruptedException {
        return launcher("status").output();
    }

    /** The launcher's answer to one command on this pipeline: exit code and what it printed. */
    record Answer(int exitCode, String output) {
    }

    Answer launcher(String... command) throws IOException, InterruptedException {
        List<String> argv = new java.util.ArrayList<>(List.of("./mailpipe"));
        argv.addAll(List.of(command));
        ProcessBuilder pb = new ProcessBuilder(argv).directory(Loopback.repoRoot().toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        return new Answer(p.waitFor(), out);
    }

    /**
     * Waits until the consumer group is stable with {@code members} members, that is every replica
     * of the stage has its partitions; returns when it was seen so (System.nanoTime).
     */
    long awaitGroup(String group, int members, Duration timeout) throws Exception {
        return awaitGroupChange(group, members, null, timeout);
    }

    /** The member ids of a consumer group now (empty while the broker does not answer). */
    java.util.Set<String> groupMembers(String group) {
        try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
            return admin.describeConsumerGroups(List.of(group)).all().get(10, java.util.concurrent.TimeUnit.SECONDS).get(group)
                    .members().stream().map(m -> m.consumerId()).collect(java.util.stream.Collectors.toSet());
        } catch (Exception e) {
            return java.util.Set.of();
        }
    }

    /**
     * After a fault: waits until the group is stable with {@code members} members again and has
     * really been through the change: its members differ from {@code before} (a killed consumer
     * stays a member until its session expires), or the broker was seen not answering.
     */
    long awaitGroupChange(String group, int members, java.util.Set<String> before, Duration timeout) throws Exception {
        boolean outage = false;
        try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", bootstrapServers(),
                "default.api.timeout.ms", "5000", "request.timeout.ms", "2000"))) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                try {
                    var d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
                    var ids = d.members().stream().map(m -> m.consumerId()).collect(java.util.stream.Collectors.toSet());
                    if (d.groupState() == org.apache.kafka.common.GroupState.STABLE && ids.size() == members
                            && (before == null || outage || !ids.equals(before))) {
                        return System.nanoTime();
                    }
                } catch (java.util.concurrent.ExecutionException e) {
                    outage = true; // the broker is restarting: ask again
                }
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("group " + group + " not stable with " + members + " members within " + timeout);
    }

    /** What the launcher printed (its supervisor's restarts among it). */
    String launcherLog() throws IOException {
        return launcher.output();
    }

    @Override
    public void close() throws Exception {
        stopQuietly(launcher, data, env);
    }

    private static void stopQuietly(ChildProcess launcher, Path data, Map<String, String> env)
            throws InterruptedException {
        launcher.stop(Duration.ofSeconds(60));
        try {
            // Belt and braces: whatever the launcher left running stops too.
            ProcessBuilder pb = new ProcessBuilder("./mailpipe", "down").directory(Loopback.repoRoot().toFile())
                    .redirectErrorStream(true).redirectOutput(data.resolve("down.log").toFile());
            pb.environment().putAll(env);
            pb.start().waitFor();
        } catch (IOException e) {
            // Nothing more can be done from here.
        }
    }
}
