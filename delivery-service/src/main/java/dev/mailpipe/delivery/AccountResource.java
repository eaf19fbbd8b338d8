package dev.mailpipe.delivery;

import dev.mailpipe.api.ApiIdentities;
import dev.mailpipe.model.Account;
import dev.mailpipe.model.MailAddress;
import dev.mailpipe.model.PasswordHash;
import dev.mailpipe.runtime.MailboxRegistry;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;

/**
 * The mailbox registry's API: mailboxes (with the password for submission AUTH, stored only as a
 * PBKDF2 hash), aliases, and per-domain catch-alls. Every change is a record on {@code mail.accounts},
 * which ingress and routing follow. For the administrator only (HTTP Basic, see {@link ApiIdentities}).
 */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
@RolesAllowed(ApiIdentities.ADMIN)
public class AccountResource {

    @Inject
    MailboxRegistry registry;

    @Inject
    AccountWriter writer;

    /** What the API shows of a mailbox: never the hash. */
    public record MailboxView(String address, long quotaBytes, boolean canAuthenticate, List<String> sendAs,
            boolean junkFolder) {
        static MailboxView of(Account.Mailbox m) {
            return new MailboxView(m.address(), m.quotaBytes(), m.passwordHash() != null, m.sendAs(), m.junkFolder());
        }
    }

    /**
     * {@code sendAs}: addresses, or whole domains as {@code @domain}, the mailbox's login may also
     * use as sender (envelope and From) on submission; absent leaves them as they are.
     * {@code junkFolder}: false delivers spam the filter let through to the inbox.
     */
    public record MailboxRequest(String password, Long quotaBytes, List<String> sendAs, Boolean junkFolder) {
    }

    public record AliasRequest(List<String> targets) {
    }

    public record CatchAllRequest(String target) {
    }

    @GET
    @Path("/mailboxes")
    public List<MailboxView> mailboxes() {
        return registry.entries().stream().filter(a -> a instanceof Account.Mailbox)
                .map(a -> MailboxView.of((Account.Mailbox) a)).toList();
    }

    @GET
    @Path("/mailboxes/{address}")
    public MailboxView mailbox(@PathParam("address") String address) {
        return registry.mailbox(key(address)).map(MailboxView::of).orElseThrow(NotFoundException::new);
    }

    @PUT
    @Path("/mailboxes/{address}")
    public Response putMailbox(@PathParam("address") String address, MailboxRequest request) throws Exception {
        String key = key(address);
        if (registry.alias(key).isPresent()) {
            throw new BadRequestException(key + " is an alias");
        }
        var existing = registry.mailbox(key);
        String hash = existing.map(Account.Mailbox::passwordHash).orElse(null);
        long quota = existing.map(Account.Mailbox::quotaBytes).orElse(0L);
        if (request != null && request.password() != null) {
            if (request.password().isEmpty()) {
                throw new BadRequestException("empty password");
            }
            hash = PasswordHash.hash(request.password().toCharArray());
        }
        if (request != null && request.quotaBytes() != null) {
            if (request.quotaBytes() < 0) {
                throw new BadRequestException("negative quota");
            }
            quota = request.quotaBytes();
        }
        List<String> sendAs = existing.map(Account.Mailbox::sendAs).orElse(List.of());
        if (request != null && request.sendAs() != null) {
            sendAs = request.sendAs().stream().map(AccountResource::sendAsGrant).toList();
        }
        boolean junkFolder = request != null && request.junkFolder() != null ? request.junkFolder()
                : existing.map(Account.Mailbox::junkFolder).orElse(true);
        Account.Mailbox m = new Account.Mailbox(key, hash, quota, sendAs, junkFolder);
        writer.put(m);
        return Response.status(existing.isPresent() ? 200 : 201).entity(MailboxView.of(m)).build();
    }

    @DELETE
    @Path("/mailboxes/{address}")
    public Response deleteMailbox(@PathParam("address") String address) throws Exception {
        String key = key(address);
        if (registry.mailbox(key).isEmpty()) {
            throw new NotFoundException();
        }
        writer.delete(key);
        return Response.noContent().build();
    }

    @GET
    @Path("/aliases")
    public List<Account.Alias> aliases() {
        return registry.entries().stream().filter(a -> a instanceof Account.Alias).map(a -> (Account.Alias) a).toList();
    }

    @PUT
    @Path("/aliases/{address}")
    public Response putAlias(@PathParam("address") String address, AliasRequest request) throws Exception {
        String key = key(address);
        if (request == null || request.targets() == null || request.targets().isEmpty()) {
            throw new BadRequestException("an alias needs at least one target");
        }
        if (registry.mailbox(key).isPresent()) {
            throw new BadRequestException(key + " is a mailbox");
        }
        List<String> targets = request.targets().stream().map(AccountResource::address).map(MailAddress::toString).toList();
        boolean existed = registry.alias(key).isPresent();
        Account.Alias alias = new Account.Alias(key, targets);
        writer.put(alias);
        return Response.status(existed ? 200 : 201).entity(alias).build();
    }

    @DELETE
    @Path("/aliases/{address}")
    public Response deleteAlias(@PathParam("address") String address) throws Exception {
        String key = key(address);
        if (registry.alias(key).isEmpty()) {
            throw new NotFoundException();
        }
        writer.delete(key);
        return Response.noContent().build();
    }

    @PUT
    @Path("/domains/{domain}/catch-all")
    public Account.CatchAll putCatchAll(@PathParam("domain") String domain, CatchAllRequest request) throws Exception {
        String d = address("x@" + domain).domainKey();
        if (request == null || request.target() == null) {
            throw new BadRequestException("a catch-all needs a target");
        }
        Account.CatchAll c = new Account.CatchAll(d, address(request.target()).mailboxKey());
        writer.put(c);
        return c;
    }

    @DELETE
    @Path("/domains/{domain}/catch-all")
    public Response deleteCatchAll(@PathParam("domain") String domain) throws Exception {
        String d = address("x@" + domain).domainKey();
        if (registry.catchAll(d).isEmpty()) {
            throw new NotFoundException();
        }
        writer.delete("@" + d);
        return Response.noContent().build();
    }

    /** An address or {@code @domain}, lower case; 400 for anything else. */
    private static String sendAsGrant(String grant) {
        if (grant != null && grant.startsWith("@")) {
            try {
                return "@" + MailAddress.parse("x" + grant, true).domainKey().toLowerCase(Locale.ROOT);
            } catch (MailAddress.InvalidAddressException e) {
                throw new BadRequestException("not a domain: " + grant);
            }
        }
        if (grant == null) {
            throw new BadRequestException("empty sendAs entry");
        }
        return address(grant).mailboxKey().toLowerCase(Locale.ROOT);
    }

    /** A mailbox key, refused (400) if it is no address or could not be a Maildir. */
    static String key(String address) {
        MailAddress a = address(address);
        try {
            MailboxPath.of(Paths.get("/"), a.mailboxKey());
        } catch (MailboxPath.UnsafeAddressException e) {
            throw new BadRequestException(e.getMessage());
        }
        return a.mailboxKey().toLowerCase(Locale.ROOT);
    }

    private static MailAddress address(String text) {
        try {
            return MailAddress.parse(text, true);
        } catch (MailAddress.InvalidAddressException e) {
            throw new BadRequestException("not a mail address: " + e.getMessage());
        }
    }
}
