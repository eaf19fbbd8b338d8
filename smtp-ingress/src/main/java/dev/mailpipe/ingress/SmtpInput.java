package dev.mailpipe.ingress;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * Cuts the client's byte stream into what the session acts on: command lines, a DATA message that
 * ends only at {@code CRLF.CRLF}, or a BDAT chunk of a counted length.
 *
 * <p>Why it is strict: SMTP smuggling (CVE-2023-51764 and its kin) hides a second message behind an
 * end-of-data that one server sees and the next does not ({@code LF.LF}, {@code CR.CR},
 * {@code CRLF.LF}, {@code LF.CRLF}). Here only CRLF "." CRLF ends DATA, and a message with any bare
 * CR or LF is refused as a whole (as Postfix does with {@code smtpd_forbid_bare_newline}), so no
 * reading of its end can disagree with ours.
 */
final class SmtpInput {

    /** What one step of reading produced. */
    sealed interface Event permits CommandLine, Message, Chunk {
    }

    /** A command line, CRLF (or a lone LF) removed; {@code tooLong} when it passed the limit. */
    record CommandLine(String text, boolean tooLong) implements Event {
    }

    /** A whole DATA message, dot-unstuffed, with the first rule it broke (or {@code NONE}). */
    record Message(MessageBytes data, Violation violation) implements Event {
    }

    /** A BDAT chunk has been read in full. */
    record Chunk(Violation violation) implements Event {
    }

    /** What was wrong with a message's text, if anything; it is refused whole at its end. */
    enum Violation {
        NONE, TOO_BIG, LINE_TOO_LONG, BARE_NEWLINE, NO_MEMORY;

        /** The reply refusing the message, or null for {@link #NONE}. */
        Reply reply(IngressConfig config) {
            return switch (this) {
                case NONE -> null;
                case TOO_BIG -> Reply.of(552, "5.3.4", "Error: message exceeds fixed size limit of " + config.maxMessageSize());
                case LINE_TOO_LONG -> Reply.of(500, "5.5.2", "Error: line longer than " + config.maxTextLine() + " octets");
                case BARE_NEWLINE -> Reply.of(554, "5.5.2",
                        "Error: bare <CR> or <LF> in message; lines must end with <CR><LF>");
                // RFC 5321 4.2.3 and RFC 3463: insufficient system storage, a transient condition.
                case NO_MEMORY -> Reply.of(452, "4.3.1", "Error: insufficient system storage, try again later");
            };
        }
    }

    private enum Mode { COMMAND, DATA, CHUNK }

    private static final byte CR = '\r';
    private static final byte LF = '\n';

    private final int maxCommandLine;
    private final int maxTextLine;
    /** Where stored message octets are taken from; null takes no account (tests of the parser alone). */
    private final MessageMemory.Account memory;

    private byte[] buf = new byte[4096];
    private int start;
    private int end;

    private Mode mode = Mode.COMMAND;
    private boolean discardingCommand;
    private long maxSize;
    private MessageBytes message;
    private long size;
    private Violation violation;
    private boolean atLineStart;
    private long chunkRemaining;

    SmtpInput(int maxCommandLine, int maxTextLine) {
        this(maxCommandLine, maxTextLine, null);
    }

    SmtpInput(int maxCommandLine, int maxTextLine, MessageMemory.Account memory) {
        this.maxCommandLine = maxCommandLine;
        this.maxTextLine = maxTextLine;
        this.memory = memory;
    }

    void append(Buffer data) {
        int n = data.length();
        if (end + n > buf.length) {
            compact(n);
        }
        data.getBytes(0, n, buf, end);
        end += n;
    }

    /** Octets received but not yet consumed: lets the session stop reading from a flooding client. */
    int buffered() {
        return end - start;
    }

    /** Between commands: not inside a message's text (DATA) or a BDAT chunk, nothing half read. */
    boolean atCommandBoundary() {
        return mode == Mode.COMMAND && end == start;
    }

    /** Inside a message's text (DATA) or a BDAT chunk: what arrives now is message data. */
    boolean inMessage() {
        return mode != Mode.COMMAND;
    }

    /** After a DATA command was accepted: what follows is message text up to CRLF.CRLF. */
    void startData(long maxMessageSize, MessageBytes into) {
        mode = Mode.DATA;
        maxSize = maxMessageSize;
        message = into;
        size = 0;
        violation = Violation.NONE;
        atLineStart = true;
    }

    /**
     * After a BDAT command: the next {@code length} octets belong to the message, whatever they are.
     * {@code into} accumulates the chunks of one message and {@code sizeSoFar} counts them, stored
     * or not (once a message is too big, later chunks are read and dropped).
     */
    void startChunk(long length, MessageBytes into, long sizeSoFar, long maxMessageSize) {
        mode = Mode.CHUNK;
        chunkRemaining = length;
        message = into;
        size = sizeSoFar;
        maxSize = maxMessageSize;
        violation = sizeSoFar > maxMessageSize ? Violation.TOO_BIG : Violation.NONE;
    }

    /** Octets of the current message so far, counting any dropped past the size limit. */
    long size() {
        return size;
    }

    /** Drops what the client sent ahead (used after STARTTLS: nothing sent in clear may count). */
    void discardBuffered() {
        start = end;
    }

    /** The next complete event, or null when more input is needed. */
    Event next() {
        return switch (mode) {
            case COMMAND -> nextCommand();
            case DATA -> nextDataEnd();
            case CHUNK -> nextChunkEnd();
        };
    }

    private Event nextCommand() {
        int lf = indexOf(LF, start, end);
        if (lf < 0) {
            if (end - start > maxCommandLine) {
                discardingCommand = true;
                // Keep one octet: it may be the CR of the CRLF still to come.
                start = end - 1;
            }
            return null;
        }
        int lineEnd = lf > start && buf[lf - 1] == CR ? lf - 1 : lf;
        boolean tooLong = discardingCommand || lf + 1 - start > maxCommandLine;
        String text = tooLong ? "" : new String(buf, start, lineEnd - start, StandardCharsets.UTF_8);
        start = lf + 1;
        discardingCommand = false;
        return new CommandLine(text, tooLong);
    }

    private Event nextDataEnd() {
        while (true) {
            int lf = indexOf(LF, start, end);
            if (lf < 0) {
                if (end - start > maxTextLine + 2) {
                    flag(Violation.LINE_TOO_LONG);
                    // The rest of this overlong line is dropped: the message is refused anyway.
                    start = end - 1;
                    atLineStart = false;
                }
                return null;
            }
            boolean crlf = lf > start && buf[lf - 1] == CR;
            int contentEnd = crlf ? lf - 1 : lf;
            int len = contentEnd - start;
            boolean wasLineStart = atLineStart;
            if (!crlf) {
                flag(Violation.BARE_NEWLINE);
            }
            if (indexOf(CR, start, contentEnd) >= 0) {
                flag(Violation.BARE_NEWLINE);
            }
            if (crlf && wasLineStart && len == 1 && buf[start] == '.') {
                start = lf + 1;
                mode = Mode.COMMAND;
                MessageBytes done = message;
                message = null;
                return new Message(done, violation);
            }
            if (len > maxTextLine) {
                flag(Violation.LINE_TOO_LONG);
            }
            int from = start;
            if (wasLineStart && len > 0 && buf[start] == '.') {
                from++; // dot-unstuffing, RFC 5321 4.5.2
            }
            keep(from, contentEnd);
            keepCrlf();
            atLineStart = crlf;
            start = lf + 1;
        }
    }

    private Event nextChunkEnd() {
        int take = (int) Math.min(chunkRemaining, end - start);
        if (take > 0) {
            keep(start, start + take);
            start += take;
            chunkRemaining -= take;
        }
        if (chunkRemaining > 0) {
            return null;
        }
        mode = Mode.COMMAND;
        message = null;
        return new Chunk(violation);
    }

    /**
     * Stores message octets, while the message can still be accepted: once it broke a rule it is
     * refused whole at its end, so nothing more of it is kept, only counted.
     */
    private void keep(int from, int to) {
        int n = to - from;
        if (mayStore(n)) {
            message.append(buf, from, n);
        }
        size += n;
    }

    private void keepCrlf() {
        if (mayStore(2)) {
            message.appendCrlf();
        }
        size += 2;
    }

    private boolean mayStore(int n) {
        if (size + n > maxSize) {
            flag(Violation.TOO_BIG);
        }
        if (violation != Violation.NONE) {
            return false;
        }
        if (memory != null && message.length() + n > memory.held() && !memory.take(n)) {
            flag(Violation.NO_MEMORY);
            return false;
        }
        return true;
    }

    /** The first violation is the one reported; a size overrun wins, since it also stops storing. */
    private void flag(Violation v) {
        if (violation == Violation.NONE || v == Violation.TOO_BIG) {
            violation = v;
        }
    }

    private int indexOf(byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (buf[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private void compact(int incoming) {
        int live = end - start;
        byte[] target = live + incoming > buf.length ? new byte[Math.max(buf.length * 2, live + incoming)] : buf;
        System.arraycopy(buf, start, target, 0, live);
        buf = target;
        start = 0;
        end = live;
    }
}
