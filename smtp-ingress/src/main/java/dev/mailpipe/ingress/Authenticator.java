package dev.mailpipe.ingress;

import dev.mailpipe.model.MailboxDirectory;
import dev.mailpipe.model.PasswordHash;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Arrays;

/**
 * Checks a submission client's credentials against the mailbox registry. PBKDF2 is slow on purpose,
 * so the check runs on a worker thread, never on the event loop; the password is wiped afterwards.
 */
final class Authenticator {
    private final Vertx vertx;
    private final MailboxDirectory mailboxes;

    Authenticator(Vertx vertx, MailboxDirectory mailboxes) {
        this.vertx = vertx;
        this.mailboxes = mailboxes;
    }

    /** Whether {@code user} (a mailbox key) exists and has this password. */
    Future<Boolean> verify(String user, char[] password) {
        return vertx.<Boolean>executeBlocking(() -> mailboxes.mailbox(user)
                        .map(m -> PasswordHash.verify(password, m.passwordHash())).orElse(false))
                .onComplete(r -> Arrays.fill(password, '\0'));
    }
}
