package dev.mailpipe.delivery;

import io.quarkus.security.identity.SecurityIdentity;
import dev.mailpipe.api.ApiIdentities;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.ForbiddenException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;

/**
 * Says whether a login is this mailbox with its own registry password: {@code 204} if so, {@code 401}
 * for a wrong password or an unknown mailbox, {@code 403} for another mailbox's. It is what Dovecot
 * asks before it serves IMAP or POP3 ({@code contrib/dovecot/checkpassword-mailpipe}), so a mailbox
 * has one password for submission, the read API and its mail client, and a change through the
 * registry holds at once everywhere. The administrator's password opens no mailbox here: only the
 * role {@value ApiIdentities#MAILBOX} is allowed. Failed logins are throttled and logged as every API
 * login is ({@link ApiIdentities}).
 */
@Path("/api/mailboxes/{address}/login")
@RolesAllowed(ApiIdentities.MAILBOX)
public class MailboxLoginResource {

    @Inject
    SecurityIdentity identity;

    @GET
    public Response check(@PathParam("address") String address) {
        if (!identity.getPrincipal().getName().equals(AccountResource.key(address))) {
            throw new ForbiddenException();
        }
        return Response.noContent().build();
    }
}
