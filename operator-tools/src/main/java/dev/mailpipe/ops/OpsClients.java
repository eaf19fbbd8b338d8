package dev.mailpipe.ops;

import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * The Kafka clients the operator tools use, configured in one place: an admin client with short
 * timeouts (a tool answers or says the broker does not), and a reader that sees what the stages
 * see (committed transactions only, records up to the one size limit) and never commits by itself.
 */
final class OpsClients {
    private OpsClients() {
    }

    static Admin admin(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        return Admin.create(p);
    }

    /** @param group the group whose offsets the tool commits itself, or null for none */
    static KafkaConsumer<byte[], byte[]> reader(String bootstrap, String group) {
        return dev.mailpipe.runtime.KafkaClients.reader(bootstrap, group);
    }
}
