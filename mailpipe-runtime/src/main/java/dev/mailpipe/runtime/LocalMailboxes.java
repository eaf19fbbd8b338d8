package dev.mailpipe.runtime;

import dev.mailpipe.model.Account;
import dev.mailpipe.model.MailboxDirectory;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A fixed directory: the given domains, mailboxes, aliases and catch-alls. For tests and tools. */
public final class LocalMailboxes implements MailboxDirectory {
    private final Set<String> domains;
    private final Set<String> mailboxes;
    private final Map<String, Account.Alias> aliases;
    private final Map<String, String> catchAlls;

    public LocalMailboxes(Set<String> domainKeys, Set<String> mailboxKeys) {
        this(domainKeys, mailboxKeys, Map.of(), Map.of());
    }

    public LocalMailboxes(Set<String> domainKeys, Set<String> mailboxKeys, Map<String, Account.Alias> aliases,
            Map<String, String> catchAlls) {
        this.domains = Set.copyOf(domainKeys);
        this.mailboxes = Set.copyOf(mailboxKeys);
        this.aliases = Map.copyOf(aliases);
        this.catchAlls = Map.copyOf(catchAlls);
    }

    @Override
    public boolean isLocalDomain(String domainKey) {
        return domains.contains(domainKey);
    }

    @Override
    public Optional<Account.Mailbox> mailbox(String key) {
        return mailboxes.contains(key) ? Optional.of(new Account.Mailbox(key, null, 0)) : Optional.empty();
    }

    @Override
    public Optional<Account.Alias> alias(String key) {
        return Optional.ofNullable(aliases.get(key));
    }

    @Override
    public Optional<String> catchAll(String domainKey) {
        return Optional.ofNullable(catchAlls.get(domainKey));
    }

    @Override
    public String primaryDomain() {
        return domains.stream().sorted().findFirst().orElse("localhost");
    }
}
