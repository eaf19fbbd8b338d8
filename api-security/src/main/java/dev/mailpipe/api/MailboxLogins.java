package dev.mailpipe.api;

/**
 * Where a service that lets mailboxes log in to its API finds their passwords (delivery-service:
 * the registry). A service without such a bean lets in the administrator only.
 */
public interface MailboxLogins {
    /** The mailbox's password hash ({@code PasswordHash}), or null: no such mailbox, or none set. */
    String passwordHash(String address);
}
