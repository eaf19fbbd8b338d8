package dev.mailpipe.delivery;

import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.nio.file.Files;
import java.util.List;

/** Reads delivered mail: the messages of a mailbox, and one message as the raw bytes on disk. */
@Path("/api/mailboxes/{address}/messages")
@Blocking
public class MessageResource {

    @Inject
    DeliveryConfig config;

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
        try {
            return MailboxPath.of(java.nio.file.Path.of(config.root()), AccountResource.key(address));
        } catch (MailboxPath.UnsafeAddressException e) {
            throw new BadRequestException(e.getMessage());
        }
    }
}
