package dev.mailpipe.ingress.milter;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayDeque;
import java.util.Queue;

/**
 * Cuts what a milter writes into packets. Every length is checked before anything is buffered for
 * it: a milter announcing more than {@link #MAX_PACKET} octets is a protocol error, never an
 * allocation of that size.
 */
public final class MilterFrames {
    /** A body chunk (64 KiB) and its letter, with room: nothing a milter sends is longer. */
    public static final int MAX_PACKET = 65536 + 16;

    private Buffer pending = Buffer.buffer();
    private final Queue<MilterPacket> ready = new ArrayDeque<>();

    /** Takes what arrived; throws {@link IllegalStateException} for a length past the bound or of zero. */
    public void add(Buffer chunk) {
        pending.appendBuffer(chunk);
        int at = 0;
        while (pending.length() - at >= 4) {
            long length = pending.getUnsignedInt(at);
            if (length < 1 || length > MAX_PACKET) {
                throw new IllegalStateException("milter packet length " + length + " out of bounds");
            }
            if (pending.length() - at - 4 < length) {
                break;
            }
            char command = (char) (pending.getByte(at + 4) & 0xff);
            ready.add(new MilterPacket(command, pending.getBytes(at + 5, at + 4 + (int) length)));
            at += 4 + (int) length;
        }
        if (at > 0) {
            pending = pending.getBuffer(at, pending.length());
        }
    }

    /** The next whole packet, or null. */
    public MilterPacket next() {
        return ready.poll();
    }
}
