package dev.mailpipe.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Where a message's events are, in the order they were indexed, and what a full index forgets. */
@Tag("unit")
class EventPositionsTest {

    @Test
    void aMessagesPositionsComeBackInOrderAndOthersStayApart() {
        EventPositions index = new EventPositions(100);
        index.add("a", 0, 5);
        index.add("b", 1, 6);
        index.add("a", 2, 70_000_000_000L);
        index.add("a", 0, 9);
        List<long[]> a = index.positions("a");
        assertEquals(3, a.size());
        assertArrayEquals(new long[] {0, 5}, a.get(0));
        assertArrayEquals(new long[] {2, 70_000_000_000L}, a.get(1), "partition and a large offset survive packing");
        assertArrayEquals(new long[] {0, 9}, a.get(2));
        assertEquals(1, index.positions("b").size());
        assertTrue(index.positions("c").isEmpty());
    }

    @Test
    void aFullGenerationIsKeptOnceAndForgottenTheSecondTime() {
        EventPositions index = new EventPositions(4);
        index.add("old", 0, 0);
        for (int i = 1; i < 8; i++) {
            index.add("m" + i, 0, i);
        }
        assertEquals(1, index.positions("old").size(), "the last 4 to 8 events are always found");
        assertEquals(8, index.size());
        index.add("new", 0, 8);
        assertTrue(index.positions("old").isEmpty(), "past twice the capacity, the oldest generation goes");
        assertEquals(1, index.positions("m7").size());
        assertEquals(5, index.size());
    }

    @Test
    void manyMessagesFillTheTableWithoutLosingAny() {
        EventPositions index = new EventPositions(200_000);
        for (int i = 0; i < 100_000; i++) {
            index.add("id-" + i, i % 3, i);
            index.add("id-" + i, i % 3, 1_000_000 + i);
        }
        for (int i = 0; i < 100_000; i += 997) {
            List<long[]> p = index.positions("id-" + i);
            assertEquals(2, p.size(), "id-" + i);
            assertEquals(1_000_000 + i, p.get(1)[1]);
        }
    }
}
