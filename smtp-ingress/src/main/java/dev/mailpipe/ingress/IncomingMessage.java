package dev.mailpipe.ingress;

/**
 * The text of a message at the end of data, as the data hooks see and change it before it is
 * queued: this server's trace field first ({@code headLength} octets), then what the client sent.
 * A hook may add fields below the trace field, or put a whole new text in place (the sender checks'
 * Authentication-Results on top), and may leave a summary of what it found for the envelope.
 */
final class IncomingMessage {
    private byte[] bytes;
    private int headLength;
    private String senderAuthentication;
    private String contentScan;
    private boolean junk;
    private boolean scanAfterQueue;

    IncomingMessage(byte[] bytes, int headLength) {
        this.bytes = bytes;
        this.headLength = headLength;
    }

    byte[] bytes() {
        return bytes;
    }

    /** The octets this server put in front of the client's text. */
    int headLength() {
        return headLength;
    }

    /** {@code fields} (whole header lines) put below this server's trace field: the one copy it costs. */
    void addFieldsBelowTrace(byte[] fields) {
        if (fields.length == 0) {
            return;
        }
        byte[] with = new byte[bytes.length + fields.length];
        System.arraycopy(bytes, 0, with, 0, headLength);
        System.arraycopy(fields, 0, with, headLength, fields.length);
        System.arraycopy(bytes, headLength, with, headLength + fields.length, bytes.length - headLength);
        bytes = with;
        headLength += fields.length;
    }

    /** A new text in place of the old, whose first {@code headLength} octets are this server's. */
    void replace(byte[] text, int headLength) {
        this.bytes = text;
        this.headLength = headLength;
    }

    /** The sender checks' results in short (SPF, DKIM, DMARC), for the envelope; null when not checked. */
    String senderAuthentication() {
        return senderAuthentication;
    }

    void senderAuthentication(String summary) {
        this.senderAuthentication = summary;
    }

    /** A content filter's verdict in short, and whether the message is spam to be delivered to Junk. */
    void contentScan(String summary, boolean spam) {
        this.contentScan = summary;
        this.junk = spam;
    }

    /** Delivered all the same, into the recipient's Junk folder (a DMARC quarantine, say). */
    void markJunk() {
        this.junk = true;
    }

    String contentScan() {
        return contentScan;
    }

    boolean junk() {
        return junk;
    }

    /** Queued on {@code mail.scan} for content-filter rather than on {@code mail.inbound}. */
    void scanAfterQueue() {
        this.scanAfterQueue = true;
    }

    boolean scansAfterQueue() {
        return scanAfterQueue;
    }
}
