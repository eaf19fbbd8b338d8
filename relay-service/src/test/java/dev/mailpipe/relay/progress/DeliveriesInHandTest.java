package dev.mailpipe.relay.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class DeliveriesInHandTest {

    @Test
    void pastTheCountTheNextRecordWaitsForOneToFinish() {
        DeliveriesInHand hand = new DeliveriesInHand(2, 1 << 20);
        assertTrue(hand.tryTake(10));
        assertTrue(hand.tryTake(10));
        assertFalse(hand.tryTake(10));
        hand.release(10);
        assertTrue(hand.tryTake(10));
        assertEquals(2, hand.records());
    }

    @Test
    void bytesBoundItTooButAMessageLargerThanTheLimitGoesAlone() {
        DeliveriesInHand hand = new DeliveriesInHand(100, 1000);
        assertTrue(hand.tryTake(600));
        assertFalse(hand.tryTake(600), "1200 bytes would be in hand");
        assertTrue(hand.tryTake(10));
        hand.release(600);
        hand.release(10);
        assertTrue(hand.tryTake(5000), "alone, a large message is taken");
        assertFalse(hand.tryTake(10), "and nothing beside it");
        assertEquals(1, hand.records());
    }
}
