package dev.mailpipe.api;

import dev.mailpipe.model.PasswordHash;
import dev.mailpipe.runtime.Backoff;
import dev.mailpipe.runtime.FailureCounts;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.UsernamePasswordAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Locale;
import org.jboss.logging.Logger;

/**
 * Who an HTTP Basic login is, in every service with an API: {@code admin} with
 * {@code mailpipe.api.admin-password} (role {@value #ADMIN}), or, where the service has a
 * {@link MailboxLogins} bean (delivery-service: the registry), a mailbox with its own password (role
 * {@value #MAILBOX}, named by its address). Passwords are checked off the event loop; an unknown user costs the same PBKDF2
 * work as a wrong password. Each attempt is counted before its check, per client address and per
 * account; one with too many is refused (401, as any failed login) without a check until its
 * lockout ends; every failure is logged as
 * {@code API login failed: client=<ip> user=<name>}, every refusal as {@code API login refused}.
 */
@ApplicationScoped
public class ApiIdentities implements IdentityProvider<UsernamePasswordAuthenticationRequest> {
    public static final String ADMIN = "admin";
    public static final String MAILBOX = "mailbox";
    private static final Logger LOG = Logger.getLogger(ApiIdentities.class);

    private final Instance<MailboxLogins> mailboxes;
    private final ApiConfig config;
    private final FailureCounts failures;
    private final FailureCounts accountFailures;
    private final Backoff backoff;

    ApiIdentities(Instance<MailboxLogins> mailboxes, ApiConfig config) {
        this.mailboxes = mailboxes;
        this.config = config;
        this.failures = new FailureCounts(config.lockout(), 100_000);
        this.accountFailures = new FailureCounts(config.lockout(), 100_000);
        this.backoff = new Backoff(config.freeFailures(), config.firstDelay(), config.maxDelay());
    }

    @Override
    public Class<UsernamePasswordAuthenticationRequest> getRequestType() {
        return UsernamePasswordAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(UsernamePasswordAuthenticationRequest request, AuthenticationRequestContext context) {
        String client = clientOf(request);
        String user = request.getUsername().toLowerCase(Locale.ROOT);
        // Decided and counted before the hash: parallel guesses are all counted, none slips past.
        if (!failures.begin(client, config.maxFailuresPerClient())) {
            LOG.warnf("API login refused: client=%s too many failed attempts", client);
            return Uni.createFrom().failure(new AuthenticationFailedException());
        }
        if (!accountFailures.begin(user, config.maxFailuresPerAccount())) {
            LOG.warnf("API login refused: client=%s user=%s too many failed attempts for the account", client,
                    dev.mailpipe.model.PeerText.forLog(user));
            return Uni.createFrom().failure(new AuthenticationFailedException());
        }
        return context.runBlocking(() -> {
            char[] password = request.getPassword().getPassword();
            SecurityIdentity identity = user.equals(ADMIN) ? admin(password) : mailbox(user, password);
            if (identity == null) {
                LOG.warnf("API login failed: client=%s user=%s", client, dev.mailpipe.model.PeerText.forLog(user));
                throw new AuthenticationFailedException();
            }
            failures.clear(client);
            accountFailures.succeeded(user);
            return identity;
        }).onFailure(AuthenticationFailedException.class).call(() -> {
            // The 401 waits, without holding a thread: a guesser's next try comes later.
            Duration wait = backoff.after(failures.of(client));
            return wait.isZero() ? Uni.createFrom().voidItem() : Uni.createFrom().voidItem().onItem().delayIt().by(wait);
        });
    }

    private SecurityIdentity admin(char[] password) {
        String expected = config.adminPassword().orElse(null);
        boolean ok = expected != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                new String(password).getBytes(StandardCharsets.UTF_8));
        // As slow as a mailbox's check, so that timing does not say which user name was tried.
        PasswordHash.verify(password, null);
        return ok ? identity(ADMIN, ADMIN) : null;
    }

    private SecurityIdentity mailbox(String user, char[] password) {
        // Without mailboxes, an unknown user: the same PBKDF2 work as a wrong password.
        String hash = mailboxes.isResolvable() ? mailboxes.get().passwordHash(user) : null;
        return PasswordHash.verify(password, hash) ? identity(user, MAILBOX) : null;
    }

    private static SecurityIdentity identity(String name, String role) {
        return QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal(name)).addRole(role).build();
    }

    private static String clientOf(UsernamePasswordAuthenticationRequest request) {
        RoutingContext rc = HttpSecurityUtils.getRoutingContextAttribute(request);
        return rc == null || rc.request().remoteAddress() == null ? "unknown" : rc.request().remoteAddress().hostAddress();
    }
}
