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
        String bootstrap = ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new StringSerializer(), new ByteArraySerializer())) {
            Account.Mailbox m = new Account.Mailbox(address, PasswordHash.hash(password.toCharArray()), 0);
            p.send(new ProducerRecord<>(Topics.ACCOUNTS, m.key(), m.toJson())).get();
        }
    }
}
