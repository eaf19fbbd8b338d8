package dev.mailpipe.ingress;

import dev.mailpipe.model.Account;
import dev.mailpipe.model.MailboxDirectory;
import dev.mailpipe.model.PasswordHash;
import dev.mailpipe.model.PeerText;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Arrays;
import org.jboss.logging.Logger;

/**
 * Checks a submission client's credentials against the mailbox registry, and keeps guessers slow
 * ({@link AuthThrottle}). PBKDF2 is slow on purpose, so the check runs on a worker thread, never on
 * the event loop; the password is wiped afterwards. An unknown account costs the same check as a
 * wrong password.
 *
 * <p>Every failure is logged as {@code AUTH failed: client=<ip> account=<name>} and every refusal
 * of a locked-out address as {@code AUTH refused: client=<ip> ...}, the lines
 * {@code contrib/fail2ban/filter.d/mailpipe-auth.conf} matches.
 */
final class Authenticator {
    private static final Logger LOG = Logger.getLogger(Authenticator.class);

    private final Vertx vertx;
    private final MailboxDirectory mailboxes;
    private final AuthThrottle throttle;
    private final IngressMetrics metrics;

    /** What became of one AUTH exchange's credentials. */
    sealed interface Verdict permits Accepted, Refused, LockedOut {
    }

    record Accepted() implements Verdict {
    }

    /** Wrong credentials; the 535 waits {@code delay} first. */
    record Refused(Duration delay) implements Verdict {
    }

    /** The address is past its failures: nothing was checked; the client hears 454 4.7.0. */
    record LockedOut() implements Verdict {
    }

    Authenticator(Vertx vertx, MailboxDirectory mailboxes, AuthThrottle throttle, IngressMetrics metrics) {
        this.vertx = vertx;
        this.mailboxes = mailboxes;
        this.throttle = throttle;
        this.metrics = metrics;
    }

    /** Whether {@code clientIp} may try at all now; if not, the refusal is logged and counted. */
    boolean mayTry(String sessionId, String clientIp) {
        if (!throttle.lockedOut(clientIp)) {
            return true;
        }
        LOG.warnf("[%s] AUTH refused: client=%s too many failed attempts", sessionId, clientIp);
        metrics.auth("locked-out");
        return false;
    }

    /**
     * Whether {@code user} (a mailbox key) exists and has this password. The attempt is counted
     * before the hash ({@link AuthThrottle#begin}); past the address's limit there is no hash at
     * all, and the answer is {@link LockedOut}.
     */
    Future<Verdict> verify(String sessionId, String clientIp, String user, char[] password) {
        if (!throttle.begin(clientIp, user)) {
            Arrays.fill(password, '\0');
            LOG.warnf("[%s] AUTH refused: client=%s too many failed attempts", sessionId, clientIp);
            metrics.auth("locked-out");
            return Future.succeededFuture(new LockedOut());
        }
        return vertx.<Boolean>executeBlocking(() -> PasswordHash.verify(password,
                        mailboxes.mailbox(user).map(Account.Mailbox::passwordHash).orElse(null)), false)
                .onComplete(r -> Arrays.fill(password, '\0'))
                .map(ok -> {
                    if (ok) {
                        throttle.succeeded(clientIp, user);
                        metrics.auth("success");
                        LOG.infof("[%s] %s authenticated as %s", sessionId, clientIp, PeerText.forLog(user));
                        return (Verdict) new Accepted();
                    }
                    Duration delay = throttle.delayAfterFailure(clientIp, user);
                    metrics.auth("failure");
                    LOG.warnf("[%s] AUTH failed: client=%s account=%s", sessionId, clientIp, PeerText.forLog(user));
                    return new Refused(delay);
                });
    }
}
