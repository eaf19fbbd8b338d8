package dev.mailpipe.runtime;

import dev.mailpipe.model.MailAddress;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which domains this installation is the final destination for, and the mailboxes seeded into the
 * registry. Shared by every stage so that ingress, routing and delivery never disagree.
 */
@ConfigMapping(prefix = "mailpipe.local")
public interface LocalDomainsConfig {
    /** Domains delivered to local Maildirs (compared case-insensitively). */
    @WithDefault("example.test")
    List<String> domains();

    /** Mailboxes that exist, as full addresses. */
    @WithDefault("alice@example.test,bob@example.test")
    List<String> mailboxes();

    /** The mailbox that receives postmaster@ of every local domain (RFC 5321 4.5.1 requires one). */
    @WithDefault("alice@example.test")
    String postmaster();

    default Set<String> domainKeys() {
        return domains().stream().map(d -> d.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    }

    default Set<String> mailboxKeys() {
        return mailboxes().stream().map(m -> MailAddress.parse(m.trim()).mailboxKey())
                .collect(Collectors.toUnmodifiableSet());
    }
}
