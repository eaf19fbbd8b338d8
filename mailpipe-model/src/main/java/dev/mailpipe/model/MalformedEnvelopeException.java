package dev.mailpipe.model;

/** A record whose envelope is missing or cannot be read: it belongs on the dead-letter topic. */
public class MalformedEnvelopeException extends RuntimeException {
    public MalformedEnvelopeException(String message) {
        super(message);
    }

    public MalformedEnvelopeException(String message, Throwable cause) {
        super(message, cause);
    }
}
