package dev.mailpipe.kafka;

import dev.mailpipe.model.Topics;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Kafka broker in KRaft combined mode (broker and controller in one process),
 * for the local run and the tests. It formats its log directory on first start, creates the
 * pipeline's topics, prints {@value #READY} and runs until the JVM is asked to stop.
 *
 * <p>Talks only on 127.0.0.1. Usage: {@code LocalKafka <dir> <port> <controller-port> <partitions>};
 * the environment's {@value #SETTINGS_ENV} overrides broker settings.
 */
public final class LocalKafka {
    public static final String READY = "mailpipe-kafka ready";
    /** Broker settings over the defaults below, as {@code key=value,key=value}. */
    public static final String SETTINGS_ENV = "MAILPIPE_BROKER_SETTINGS";

    private LocalKafka() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: LocalKafka <dir> <port> <controller-port> <partitions>");
            System.exit(2);
        }
        Path dir = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        int controllerPort = Integer.parseInt(args[2]);
        int partitions = Integer.parseInt(args[3]);

        Path config = writeConfig(dir, port, controllerPort);
        formatOnce(dir, config);
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(load(config)), Time.SYSTEM);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdown();
            server.awaitShutdown();
        }, "kafka-shutdown"));
        server.startup();
        createTopics("127.0.0.1:" + port, partitions);
        System.out.println(READY + " on 127.0.0.1:" + port);
        System.out.flush();
        server.awaitShutdown();
    }

    static Path writeConfig(Path dir, int port, int controllerPort) throws IOException {
        Files.createDirectories(dir);
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("log.dirs", dir.resolve("logs").toString());
        // One node: every internal topic has one replica, and few partitions start faster.
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "4");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "4");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("message.max.bytes", String.valueOf(Topics.MAX_RECORD_BYTES));
        // The log cleaner's map of keys for the compacted topics (the registry, destinations,
        // group offsets) is allocated and zeroed at start: Kafka's default of 128 MiB was a third of
        // the whole local stack's memory. 16 MiB holds some 700,000 keys a pass, far more than a
        // node of this size keeps.
        p.setProperty("log.cleaner.dedupe.buffer.size", String.valueOf(16 * 1024 * 1024));
        p.setProperty("auto.create.topics.enable", "true");
        // Operator's overrides, e.g. log.flush.interval.messages=1 to fsync every record as Postfix
        // fsyncs every queue file (bench/compare measures both).
        for (String setting : System.getenv().getOrDefault(SETTINGS_ENV, "").split(",")) {
            int eq = setting.indexOf('=');
            if (eq > 0) {
                p.setProperty(setting.substring(0, eq).trim(), setting.substring(eq + 1).trim());
            }
        }
        Path file = dir.resolve("server.properties");
        StringWriter out = new StringWriter();
        p.store(out, "written by mailpipe LocalKafka");
        Files.writeString(file, out.toString(), StandardCharsets.UTF_8);
        return file;
    }

    private static void formatOnce(Path dir, Path config) {
        if (Files.exists(dir.resolve("logs").resolve("meta.properties"))) {
            return;
        }
        String clusterId = org.apache.kafka.common.Uuid.randomUuid().toString();
        int rc = StorageTool.execute(new String[] {"format", "-t", clusterId, "-c", config.toString()},
                new PrintStream(System.err, true, StandardCharsets.UTF_8));
        if (rc != 0) {
            throw new IllegalStateException("kafka storage format failed with " + rc);
        }
    }

    private static Properties load(Path config) throws IOException {
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(config, StandardCharsets.UTF_8)) {
            p.load(in);
        }
        return p;
    }

    static void createTopics(String bootstrap, int partitions) throws InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            List<NewTopic> topics = new ArrayList<>();
            for (Topics.Spec spec : Topics.plan(partitions)) {
                topics.add(new NewTopic(spec.name(), spec.partitions(), (short) 1).configs(spec.configs()));
            }
            var results = admin.createTopics(topics).values();
            for (var entry : results.entrySet()) {
                try {
                    entry.getValue().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + entry.getKey(), e.getCause());
                    }
                }
            }
        }
    }

}
