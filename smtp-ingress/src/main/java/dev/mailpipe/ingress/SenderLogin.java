package dev.mailpipe.ingress;

import dev.mailpipe.model.MailAddress;
import dev.mailpipe.model.MailboxDirectory;
import dev.mailpipe.model.MessageHeaders;
import dev.mailpipe.model.PeerText;
import io.vertx.core.Future;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.dom.address.MailboxList;
import org.apache.james.mime4j.field.address.DefaultAddressParser;
import org.apache.james.mime4j.field.address.ParseException;
import org.jboss.logging.Logger;

/**
 * Senders bound to their login, as Postfix's {@code smtpd_sender_login_maps} with
 * {@code reject_sender_login_mismatch}: an authenticated client may use as envelope sender and in
 * {@code From:} only what its mailbox owns ({@link MailboxDirectory#owns}), since the relay
 * DKIM-signs what it hands over, and a forged local {@code From:} would then pass DMARC.
 */
final class SenderLogin implements SessionHooks.Mail, SessionHooks.Data {
    private static final Logger LOG = Logger.getLogger(SenderLogin.class);

    private final MailboxDirectory mailboxes;

    SenderLogin(MailboxDirectory mailboxes) {
        this.mailboxes = mailboxes;
    }

    @Override
    public Future<HookResult> mail(SessionView session, String sender, EsmtpParameters.Mail parameters) {
        if (session.authenticated() == null) {
            return HookResult.NEXT_NOW;
        }
        Reply notOwned = mailFrom(session.authenticated(), sender, parameters.smtpUtf8());
        if (notOwned == null) {
            return HookResult.NEXT_NOW;
        }
        LOG.infof("[%s] %s: sender <%s> refused to login %s", session.sessionId(), session.clientIp(),
                PeerText.forLog(sender), session.authenticated());
        return HookResult.refuseNow(notOwned);
    }

    @Override
    public Future<HookResult> data(SessionView session, MailTransaction transaction, IncomingMessage message) {
        if (session.authenticated() == null) {
            return HookResult.NEXT_NOW;
        }
        Reply forged = fromField(session.authenticated(), message.bytes());
        return forged == null ? HookResult.NEXT_NOW : HookResult.refuseNow(forged);
    }

    /** MAIL FROM of {@code login}: null when it may, else the refusal. The null sender is no one's to forge. */
    Reply mailFrom(String login, String path, boolean smtpUtf8) {
        if (path.isEmpty()) {
            return null;
        }
        try {
            return owned(login, MailAddress.parse(path, smtpUtf8)) ? null : notOwned(path);
        } catch (MailAddress.InvalidAddressException e) {
            return notOwned(path);
        }
    }

    /** The message's {@code From:}: every author must be the login's (RFC 5322 3.6.2 allows several). */
    Reply fromField(String login, byte[] message) {
        int fields = MessageHeaders.count(message, "From");
        if (fields == 0) {
            return null; // nothing to sign for; RFC 6409 8 leaves it to the client
        }
        if (fields > 1) {
            return Reply.of(550, "5.6.0", "Error: more than one From field (RFC 5322 3.6)");
        }
        MailboxList authors;
        try {
            authors = DefaultAddressParser.DEFAULT.parseAddressList(MessageHeaders.value(message, "From")).flatten();
        } catch (ParseException | RuntimeException e) {
            return Reply.of(553, "5.7.1", "Error: the From field cannot be read as addresses");
        }
        if (authors.isEmpty()) {
            return Reply.of(553, "5.7.1", "Error: the From field names no address");
        }
        for (Mailbox author : authors) {
            String address = author.getAddress();
            Reply refusal = mailFrom(login, address, true);
            if (refusal != null) {
                return Reply.of(553, "5.7.1", "Error: From <" + PeerText.oneLine(address)
                        + "> is not owned by the login " + login);
            }
        }
        return null;
    }

    private boolean owned(String login, MailAddress address) {
        return mailboxes.owns(login, address);
    }

    private static Reply notOwned(String path) {
        return Reply.of(553, "5.7.1", "Error: sender <" + PeerText.oneLine(path)
                + "> is not owned by the authenticated login");
    }
}
