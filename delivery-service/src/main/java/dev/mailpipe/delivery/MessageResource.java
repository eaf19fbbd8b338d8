package dev.mailpipe.delivery;

import io.smallrye.common.annotation.Blocking;
import io.quarkus.security.identity.SecurityIdentity;
import dev.mailpipe.api.ApiIdentities;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.ForbiddenException;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.nio.file.Files;
import java.util.List;

/**
 * Reads delivered mail: the messages of a mailbox, and one message as the raw bytes on disk. A
 * mailbox's own login reads only that mailbox (another's gets 403); the administrator reads any.
 */
@Path("/api/mailboxes/{address}/messages")
@Blocking
@RolesAllowed({ApiIdentities.ADMIN, ApiIdentities.MAILBOX})
public class MessageResource {

    @Inject
    DeliveryConfig config;

    @Inject
    SecurityIdentity identity;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public List<MaildirReader.Summary> list(@PathParam("address") String address) throws Exception {
        return MaildirReader.list(maildir(address));
    }

    @GET
    @Path("/{id}")
    @Produces("message/rfc822")
    public byte[] raw(@PathParam("address") String address, @PathParam("id") String id) throws Exception {
        java.nio.file.Path file = MaildirReader.find(maildir(address), id).orElseThrow(NotFoundException::new);
        return Files.readAllBytes(file);
    }

    private java.nio.file.Path maildir(String address) {
        String key = AccountResource.key(address);
        if (!identity.hasRole(ApiIdentities.ADMIN) && !identity.getPrincipal().getName().equals(key)) {
            throw new ForbiddenException();
        }
        try {
            return MailboxPath.of(java.nio.file.Path.of(config.root()), key);
        } catch (MailboxPath.UnsafeAddressException e) {
            throw new BadRequestException(e.getMessage());
        }
    }
}
