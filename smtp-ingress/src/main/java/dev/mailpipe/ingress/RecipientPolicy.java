package dev.mailpipe.ingress;

import dev.mailpipe.model.MailboxDirectory;
import dev.mailpipe.model.MailAddress;
import io.vertx.core.Future;

/**
 * The RCPT TO hook of the policy at the door (pipeline contract): local mail only for mailboxes
 * that exist, decided now so that nothing is accepted that would later bounce (no backscatter);
 * mail for other domains only from trusted networks or authenticated sessions. Never an open relay.
 */
final class RecipientPolicy implements SessionHooks.Rcpt {
    private final MailboxDirectory mailboxes;
    private final ClientNetworks relayNetworks;

    RecipientPolicy(MailboxDirectory mailboxes, ClientNetworks relayNetworks) {
        this.mailboxes = mailboxes;
        this.relayNetworks = relayNetworks;
    }

    /**
     * Whether a client address is in the networks that may relay. Asked once per session: the
     * address does not change, and parsing it for every RCPT cost more than the rest of the check.
     */
    boolean inRelayNetworks(String clientIp) {
        return relayNetworks.contains(clientIp);
    }

    /**
     * Postfix's {@code permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination}
     * with its recipient check: a trusted client's recipients are accepted here (the door's hooks
     * after this one are not asked of them); an existing local mailbox goes on to them.
     */
    @Override
    public Future<HookResult> rcpt(SessionView session, MailTransaction transaction, MailAddress recipient) {
        Reply refusal = check(recipient, session.relayClient(), session.authenticated() != null);
        if (refusal != null) {
            return HookResult.refuseNow(refusal);
        }
        return session.trusted() ? HookResult.ACCEPT_NOW : HookResult.NEXT_NOW;
    }

    /** Null to accept, else the refusal; {@code relayClient} as {@link #inRelayNetworks} said. */
    Reply check(MailAddress recipient, boolean relayClient, boolean authenticated) {
        if (mailboxes.isLocalDomain(recipient)) {
            if (!mailboxes.resolve(recipient).isEmpty()) {
                return null;
            }
            return Reply.of(550, "5.1.1", "<" + recipient + ">: Recipient address rejected: User unknown");
        }
        if (authenticated || relayClient) {
            return null;
        }
        return Reply.of(554, "5.7.1", "<" + recipient + ">: Relay access denied");
    }
}
