package dev.mailpipe.delivery;

import dev.mailpipe.model.Account;
import dev.mailpipe.model.Topics;
import dev.mailpipe.runtime.MailboxRegistry;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Writes the mailbox registry ({@code mail.accounts}) and waits until this service's own view has
 * caught up, so that a client that created a mailbox can use it in its next request.
 */
@ApplicationScoped
public class AccountWriter {
    private static final Duration VISIBLE_WITHIN = Duration.ofSeconds(10);

    @Inject
    @Channel("accounts")
    MutinyEmitter<byte[]> accounts;

    @Inject
    MailboxRegistry registry;

    public void put(Account account) throws InterruptedException {
        accounts.sendMessageAndAwait(record(account.key(), account.toJson()));
        registry.awaitEntry(account.key(), true, VISIBLE_WITHIN);
    }

    public void delete(String key) throws InterruptedException {
        accounts.sendMessageAndAwait(record(key, null));
        registry.awaitEntry(key, false, VISIBLE_WITHIN);
    }

    private static Message<byte[]> record(String key, byte[] value) {
        var metadata = OutgoingKafkaRecordMetadata.<String>builder().withTopic(Topics.ACCOUNTS).withKey(key).build();
        return Message.of(value).addMetadata(metadata);
    }
}
