package dev.mailpipe.ingress.milter;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * One milter packet: a command or reply letter and its data. On the wire a 32-bit length in network
 * order (the letter and the data), then the letter, then the data.
 */
public record MilterPacket(char command, byte[] data) {

    /** A packet whose data is the NUL-terminated strings given, in order. */
    public static MilterPacket strings(char command, String... parts) {
        Buffer b = Buffer.buffer();
        for (String p : parts) {
            b.appendBytes(p.getBytes(StandardCharsets.UTF_8)).appendByte((byte) 0);
        }
        return new MilterPacket(command, b.getBytes());
    }

    public Buffer toBuffer() {
        return Buffer.buffer(5 + data.length).appendInt(1 + data.length).appendByte((byte) command).appendBytes(data);
    }

    /** The data as the NUL-terminated strings it holds (a last one without its NUL included). */
    public String[] strings() {
        return strings(0);
    }

    /** The strings from {@code from} on (after a leading 32-bit index, say). */
    public String[] strings(int from) {
        String s = new String(data, from, Math.max(0, data.length - from), StandardCharsets.UTF_8);
        if (s.endsWith("\0")) {
            s = s.substring(0, s.length() - 1);
        }
        return s.split("\0", -1);
    }

    /** The 32-bit number in network order at {@code at}. */
    public int intAt(int at) {
        if (data.length < at + 4) {
            throw new IllegalArgumentException("milter packet '" + command + "' too short");
        }
        return (data[at] & 0xff) << 24 | (data[at + 1] & 0xff) << 16 | (data[at + 2] & 0xff) << 8 | data[at + 3] & 0xff;
    }
}
