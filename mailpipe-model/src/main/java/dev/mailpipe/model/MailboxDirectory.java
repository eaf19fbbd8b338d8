package dev.mailpipe.model;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Who lives here: the local domains, their mailboxes, aliases and catch-alls. Ingress (RCPT checks),
 * routing (where a copy goes) and delivery all ask the same questions of it, and {@link #resolve}
 * answers them the same way everywhere.
 */
public interface MailboxDirectory {

    boolean isLocalDomain(String domainKey);

    /** The mailbox with this lower-cased address, if it exists. */
    Optional<Account.Mailbox> mailbox(String key);

    Optional<Account.Alias> alias(String key);

    /** The catch-all target of a local domain, if it has one. */
    Optional<String> catchAll(String domainKey);

    /** The first local domain: where a bare {@code Postmaster} recipient goes. */
    String primaryDomain();

    /** Who reads postmaster@ of every local domain that has no mailbox or alias of that name. */
    default Optional<String> postmaster() {
        return Optional.empty();
    }

    default boolean isLocalDomain(MailAddress address) {
        return isLocalDomain(address.domainKey());
    }

    /**
     * Whether the mailbox {@code login} may send as {@code sender} (Postfix's
     * {@code smtpd_sender_login_maps} with {@code reject_sender_login_mismatch}): its own address,
     * a plus-address of it, an alias that leads to it (through aliases only), or what its
     * {@link Account.Mailbox#sendAs()} grants. Never through a catch-all, which would make its
     * owner every unknown address of the domain.
     */
    default boolean owns(String login, MailAddress sender) {
        String key = sender.mailboxKey().toLowerCase(Locale.ROOT);
        Optional<Account.Mailbox> mailbox = mailbox(login);
        if (mailbox.isEmpty()) {
            return false;
        }
        for (String grant : mailbox.get().sendAs()) {
            if (grant.equalsIgnoreCase(key) || grant.startsWith("@") && grant.substring(1).equalsIgnoreCase(sender.domainKey())) {
                return true;
            }
        }
        String local = sender.localPart();
        int plus = local.indexOf('+');
        String base = plus > 0 ? (local.substring(0, plus) + "@" + sender.domainKey()).toLowerCase(Locale.ROOT) : key;
        return leadsTo(key, login, 0) || !base.equals(key) && leadsTo(base, login, 0);
    }

    private boolean leadsTo(String key, String login, int depth) {
        if (key.equals(login)) {
            return true;
        }
        if (depth > 8 || mailbox(key).isPresent()) {
            return false;
        }
        Optional<Account.Alias> alias = alias(key);
        if (alias.isEmpty()) {
            return false;
        }
        for (String target : alias.get().targets()) {
            if (leadsTo(target.toLowerCase(Locale.ROOT), login, depth + 1)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Where mail for a local address ends up: existing local mailboxes (lower-cased) and, through
     * aliases, possibly remote addresses. Empty means no such recipient. Order: mailbox, alias,
     * plus-address ({@code user+tag@} reaches {@code user@}), the domain's catch-all. The local part
     * is never parsed as another address, so {@code %}, {@code !} or a quoted {@code @} lead nowhere.
     */
    default List<String> resolve(MailAddress address) {
        Set<String> out = new LinkedHashSet<>();
        expand(address.mailboxKey(), out, 0);
        return new ArrayList<>(out);
    }

    private void expand(String key, Set<String> out, int depth) {
        MailAddress a;
        try {
            a = MailAddress.parse(key, true);
        } catch (MailAddress.InvalidAddressException e) {
            return;
        }
        if (!isLocalDomain(a)) {
            out.add(key);
            return;
        }
        if (depth > 8) {
            return; // an alias loop: the recipient is unknown rather than endless
        }
        if (mailbox(key).isPresent()) {
            out.add(key);
            return;
        }
        Optional<Account.Alias> alias = alias(key);
        if (alias.isPresent()) {
            for (String target : alias.get().targets()) {
                expand(target.toLowerCase(Locale.ROOT), out, depth + 1);
            }
            return;
        }
        String local = a.localPart();
        int plus = local.indexOf('+');
        if (plus > 0) {
            int before = out.size();
            expand(local.substring(0, plus) + "@" + a.domainKey(), out, depth + 1);
            if (out.size() > before) {
                return;
            }
        }
        if (local.equalsIgnoreCase("postmaster") && postmaster().isPresent()) {
            // RFC 5321 4.5.1: every domain we take mail for must accept postmaster.
            expand(postmaster().get().toLowerCase(Locale.ROOT), out, depth + 1);
            return;
        }
        catchAll(a.domainKey()).ifPresent(target -> {
            if (!target.equalsIgnoreCase(key)) {
                expand(target.toLowerCase(Locale.ROOT), out, depth + 1);
            }
        });
    }
}
