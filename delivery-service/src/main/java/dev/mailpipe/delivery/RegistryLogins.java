package dev.mailpipe.delivery;

import dev.mailpipe.api.MailboxLogins;
import dev.mailpipe.model.Account;
import dev.mailpipe.runtime.MailboxRegistry;
import jakarta.enterprise.context.ApplicationScoped;

/** A mailbox logs in to delivery's API (and, through it, to Dovecot) with its registry password. */
@ApplicationScoped
public class RegistryLogins implements MailboxLogins {
    private final MailboxRegistry registry;

    RegistryLogins(MailboxRegistry registry) {
        this.registry = registry;
    }

    @Override
    public String passwordHash(String address) {
        return registry.mailbox(address).map(Account.Mailbox::passwordHash).orElse(null);
    }
}
