package dev.mailpipe.ingress;

/**
 * Where one SMTP session stands and what it has learnt, shared by its phases: the state in
 * {@link SessionState}'s table, the HELO name, TLS, the login, the open transaction. Hooks see it
 * through {@link SessionView}.
 */
final class Session implements SessionView {
    private final String sessionId;
    private final String clientIp;
    /** Whether the client's address is in the relay networks (fixed for the session; the pregreet asks too). */
    private final boolean relayClient;
    private final boolean submission;

    SessionState state = SessionState.CONNECTED;
    String helo = "";
    boolean esmtp;
    boolean tls;
    String authenticated;
    MailTransaction tx;
    /**
     * postscreen's "enforce": a connect hook's 5xx, or a failed pipelining test; the session goes
     * on, and every recipient the client names gets this reply.
     */
    Reply refusedRecipients;
    /** Work of a hook still under way, called off if the client leaves. */
    private Runnable pending;

    Session(String sessionId, String clientIp, boolean relayClient, boolean submission) {
        this.sessionId = sessionId;
        this.clientIp = clientIp;
        this.relayClient = relayClient;
        this.submission = submission;
    }

    @Override
    public String sessionId() {
        return sessionId;
    }

    @Override
    public String clientIp() {
        return clientIp;
    }

    @Override
    public String helo() {
        return helo;
    }

    @Override
    public boolean esmtp() {
        return esmtp;
    }

    @Override
    public boolean tls() {
        return tls;
    }

    @Override
    public String authenticated() {
        return authenticated;
    }

    @Override
    public boolean relayClient() {
        return relayClient;
    }

    @Override
    public boolean submission() {
        return submission;
    }

    @Override
    public void cancelOnClose(Runnable cancel) {
        pending = cancel;
    }

    /** The hook's work is done: nothing to call off any more. */
    void settled() {
        pending = null;
    }

    /** The client left: work still under way for it stops. */
    void closed() {
        dropTransaction();
        Runnable cancel = pending;
        pending = null;
        if (cancel != null) {
            cancel.run();
        }
    }

    /** RFC 3207 4.2 after STARTTLS: the client starts over, with EHLO, and nothing from before counts. */
    void startOver() {
        tls = true;
        state = SessionState.CONNECTED;
        dropTransaction();
        helo = "";
    }

    /** The transaction is over (queued, refused or reset); the session stays greeted. */
    void endTransaction(Wire wire) {
        dropTransaction();
        wire.messageReleased();
        if (state != SessionState.CONNECTED) {
            state = SessionState.GREETED;
        }
    }

    /** The transaction, if any, is over without a word to the client (RSET, EHLO, STARTTLS, the client left). */
    void dropTransaction() {
        if (tx != null) {
            tx.ended();
            tx = null;
        }
    }

    Requirement.Facts facts(boolean tlsAvailable) {
        return new Requirement.Facts(submission, tlsAvailable, tls, authenticated);
    }
}
