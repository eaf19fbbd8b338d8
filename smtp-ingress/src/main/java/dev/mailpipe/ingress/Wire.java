package dev.mailpipe.ingress;

/**
 * What a session may ask of the connection under it, and all it may ask: write replies, stop and
 * resume reading while it waits, come back to its event loop, read a message's octets, start TLS,
 * hold memory for a message. The connection hands the session its input ({@link SmtpSession});
 * the session never reaches the socket.
 */
interface Wire {
    /** A reply that counts toward the error limit when it is an error. */
    void reply(Reply reply);

    /** {@code countsAsError}: whether an error reply moves the session toward its error limit. */
    void reply(Reply reply, boolean countsAsError);

    /** A reply outside the error count: 354, 334 challenges, the 220 before TLS. */
    void write(Reply reply);

    /** No further input is handed over until {@link #resume()}; the idle limit does not run meanwhile. */
    void await();

    /** Back on the event loop after a wait: hands over the input that arrived meanwhile. */
    void resume();

    /** Runs {@code task} on the connection's event loop (from a Kafka, DNS or worker thread). */
    void onEventLoop(Runnable task);

    /** The client has gone (or was sent away). */
    boolean closed();

    /** The next octets are a message ended by CRLF.CRLF, read into {@code into} (DATA). */
    void readMessage(long maxMessageSize, MessageBytes into);

    /** The next {@code length} octets are a chunk of a message, appended to {@code into} (BDAT). */
    void readChunk(long length, MessageBytes into, long sizeSoFar, long maxMessageSize);

    /** The client has sent more than the command being handled: it did not wait for the reply. */
    boolean sentAhead();

    /** Octets of the message read so far. */
    long messageSize();

    /** RFC 3207: the handshake, then {@code established}; what was sent in clear around it is dropped. */
    void startTls(Runnable established);

    /** Takes room for a message of {@code size} octets (its declared SIZE) at once; false if there is none now. */
    boolean reserveMessageMemory(long size);

    /** The message of the transaction that ended is no longer held: its memory goes back to the budget. */
    void messageReleased();
}
