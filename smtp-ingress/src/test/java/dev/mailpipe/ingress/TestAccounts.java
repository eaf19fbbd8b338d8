package dev.mailpipe.ingress;

import dev.mailpipe.model.Account;
import dev.mailpipe.model.PasswordHash;
import dev.mailpipe.model.Topics;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;

/** Mailboxes with passwords for submission tests, written to the registry topic as delivery's API would. */
final class TestAccounts {
    private TestAccounts() {
    }

    static void create(String address, String password) throws Exception {
        create(address, password, java.util.List.of());
    }

    /** A mailbox whose login may also send as {@code sendAs} (addresses or {@code @domain}). */
    static void create(String address, String password, java.util.List<String> sendAs) throws Exception {
        write(new Account.Mailbox(address, PasswordHash.hash(password.toCharArray()), 0, sendAs));
    }

    static void alias(String address, String... targets) throws Exception {
        write(new Account.Alias(address, java.util.List.of(targets)));
    }

    private static void write(Account a) throws Exception {
        String bootstrap = ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new StringSerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(Topics.ACCOUNTS, a.key(), a.toJson())).get();
        }
    }
}
