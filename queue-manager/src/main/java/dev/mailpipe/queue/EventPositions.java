package dev.mailpipe.queue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Where each message's events are on {@code mail.events}: for a message id, the partition and
 * offset of every event recorded under it, without keeping the ids or the events. A million events
 * take some 36 MB: per event 12 bytes (its position, and the index of the same message's event
 * before it), per message a slot of a hash table keyed by a 64-bit hash of the id. A hash that two
 * ids share only adds another message's positions, which the trace drops when it reads the
 * events' keys.
 *
 * <p>Bounded: one generation holds {@code capacity} events; when it is full it becomes the old
 * one and a new generation starts, so the last {@code capacity} to {@code 2 * capacity} events are
 * always found. Not thread-safe: the index's thread writes, readers hold its lock.
 */
final class EventPositions {
    private final int capacity;
    private Generation current;
    private Generation previous;

    EventPositions(int capacity) {
        this.capacity = capacity;
        this.current = new Generation(capacity);
    }

    /** Records that an event of {@code key} is at {@code partition}, {@code offset}. */
    void add(String key, int partition, long offset) {
        if (current.full()) {
            previous = current;
            current = new Generation(capacity);
        }
        current.add(hash(key), pack(partition, offset));
    }

    /** Every position recorded under {@code key} (or a key of the same hash), oldest generation first. */
    List<long[]> positions(String key) {
        long h = hash(key);
        List<long[]> out = new ArrayList<>();
        if (previous != null) {
            previous.positions(h, out);
        }
        current.positions(h, out);
        return out;
    }

    /** How many events the index holds now. */
    long size() {
        return (previous == null ? 0 : previous.events) + current.events;
    }

    private static long pack(int partition, long offset) {
        return (long) partition << 48 | offset;
    }

    /** {partition, offset} of a packed position. */
    private static long[] unpack(long p) {
        return new long[] {p >>> 48, p & 0xffff_ffff_ffffL};
    }

    /** 64-bit FNV-1a, then a final mix: ids are random enough, the mix spreads the low bits. */
    static long hash(String key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h == 0 ? 1 : h; // 0 marks an empty slot
    }

    private static final class Generation {
        private final long[] position;
        private final int[] before;
        private final long[] slotKey;
        private final int[] slotLast;
        private final int mask;
        private int events;

        Generation(int capacity) {
            position = new long[capacity];
            before = new int[capacity];
            // At most one slot per event, at most half full: probes stay short.
            int slots = Integer.highestOneBit(Math.max(2, capacity) * 2 - 1) * 2;
            slotKey = new long[slots];
            slotLast = new int[slots];
            mask = slots - 1;
        }

        boolean full() {
            return events == position.length;
        }

        void add(long h, long packed) {
            int slot = find(h);
            int e = events++;
            position[e] = packed;
            if (slotKey[slot] == h) {
                before[e] = slotLast[slot];
            } else {
                slotKey[slot] = h;
                before[e] = -1;
            }
            slotLast[slot] = e;
        }

        void positions(long h, List<long[]> out) {
            int slot = find(h);
            if (slotKey[slot] != h) {
                return;
            }
            List<long[]> newestFirst = new ArrayList<>();
            for (int e = slotLast[slot]; e >= 0; e = before[e]) {
                newestFirst.add(unpack(position[e]));
            }
            long[][] ordered = newestFirst.toArray(long[][]::new);
            for (int i = ordered.length - 1; i >= 0; i--) {
                out.add(ordered[i]);
            }
        }

        /** The slot of {@code h}, or the empty slot where it would go (linear probing). */
        private int find(long h) {
            int slot = (int) (h ^ h >>> 32) & mask;
            while (slotKey[slot] != 0 && slotKey[slot] != h) {
                slot = slot + 1 & mask;
            }
            return slot;
        }
    }
}
