package dev.mailpipe.model;

/** Names of the Kafka record headers the stages exchange. */
public final class RecordHeaders {
    /** The envelope, versioned JSON (see {@link EnvelopeCodec}). */
    public static final String ENVELOPE = "mailpipe-envelope";
    /** On a dead letter: why the record could not be handled. */
    public static final String DEAD_LETTER_REASON = "mailpipe-dead-letter-reason";
    /** On a dead letter: the stage that gave up on it. */
    public static final String DEAD_LETTER_STAGE = "mailpipe-dead-letter-stage";
    /** On a dead letter: the topic the record was read from. */
    public static final String DEAD_LETTER_TOPIC = "mailpipe-dead-letter-topic";
    /**
     * On a {@code received} event: the message's Message-ID field, so the trace index learns it
     * from the header without parsing the event.
     */
    public static final String MESSAGE_ID = "mailpipe-message-id";

    private RecordHeaders() {
    }

    /** On a record a dead-letter replay wrote back: {@code mail.dead-letter@<offset>}, where it came from. */
    public static final String REPLAYED_FROM = "mailpipe-replayed-from";
}
