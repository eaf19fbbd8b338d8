package dev.mailpipe.delivery;

import dev.mailpipe.model.Account;
import dev.mailpipe.runtime.LocalDomainsConfig;
import dev.mailpipe.runtime.MailboxRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * The delivery service owns the mailbox registry. At start it writes the configured mailboxes
 * ({@code mailpipe.local.mailboxes}) that the registry does not hold yet, so the topic shows every
 * mailbox; existing entries (with their passwords) are left alone.
 */
@ApplicationScoped
public class RegistrySeeder {
    private static final Logger LOG = Logger.getLogger(RegistrySeeder.class);

    void seed(@Observes StartupEvent event, MailboxRegistry registry, LocalDomainsConfig local, AccountWriter writer)
            throws InterruptedException {
        registry.awaitLoaded();
        for (String mailbox : local.mailboxKeys()) {
            if (registry.entry(mailbox).isEmpty()) {
                writer.put(new Account.Mailbox(mailbox, null, 0));
                LOG.infof("registry: seeded mailbox %s", mailbox);
            }
        }
    }
}
