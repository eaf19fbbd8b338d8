package dev.mailpipe.ingress;

/** What a hook may know of the session it is asked in (read only). */
interface SessionView {
    /** The session's id in log lines. */
    String sessionId();

    String clientIp();

    /** The HELO/EHLO name, {@code ""} before it. */
    String helo();

    /** The client said EHLO (not HELO). */
    boolean esmtp();

    boolean tls();

    /** The login of an authenticated client, or null. */
    String authenticated();

    /** The client is in the relay networks. */
    boolean relayClient();

    /** The session came in on the submission port. */
    boolean submission();

    /** The client may relay and its mail is ours: authenticated, or from the relay networks. */
    default boolean trusted() {
        return authenticated() != null || relayClient();
    }

    /**
     * {@code cancel} runs if the client leaves while the hook's answer is still to come (work for
     * a message nobody will be told about stops); one at a time, replaced by the next.
     */
    void cancelOnClose(Runnable cancel);
}
