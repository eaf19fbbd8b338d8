package dev.mailpipe.model;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Answers "which local mailbox does this address reach?" the same way at every stage: exact match,
 * then plus-addressing ({@code user+tag@domain} reaches {@code user@domain}). Never parses the local
 * part as another address, so {@code %}, {@code !} or quoted {@code @} cannot lead elsewhere.
 */
public final class LocalMailboxes {
    private final Set<String> domains;
    private final Set<String> mailboxes;

    public LocalMailboxes(Set<String> domainKeys, Set<String> mailboxKeys) {
        this.domains = Set.copyOf(domainKeys);
        this.mailboxes = Set.copyOf(mailboxKeys);
    }

    public static LocalMailboxes from(LocalDomainsConfig config) {
        return new LocalMailboxes(config.domainKeys(), config.mailboxKeys());
    }

    public boolean isLocalDomain(MailAddress address) {
        return domains.contains(address.domainKey());
    }

    /** The first local domain: where a bare {@code Postmaster} recipient goes. */
    public String primaryDomain() {
        return domains.stream().sorted().findFirst().orElse("localhost");
    }

    /** The mailbox key (lower-cased address) this local address is delivered to, if any. */
    public Optional<String> resolve(MailAddress address) {
        if (!isLocalDomain(address)) {
            return Optional.empty();
        }
        String key = address.mailboxKey();
        if (mailboxes.contains(key)) {
            return Optional.of(key);
        }
        String local = address.localPart().toLowerCase(Locale.ROOT);
        int plus = local.indexOf('+');
        if (plus > 0) {
            String base = local.substring(0, plus) + "@" + address.domainKey();
            if (mailboxes.contains(base)) {
                return Optional.of(base);
            }
        }
        return Optional.empty();
    }
}
