package dev.mailpipe.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class DeliveriesInHandTest {

    @Test
    void pastTheCountTheNextRecordWaitsForOneToFinish() {
        DeliveriesInHand hand = new DeliveriesInHand(2, 1 << 20);
        assertTrue(hand.take(10).toCompletableFuture().isDone());
        assertTrue(hand.take(10).toCompletableFuture().isDone());
        CompletableFuture<Void> third = hand.take(10).toCompletableFuture();
        assertFalse(third.isDone());
        hand.release(10);
        assertTrue(third.isDone());
        assertEquals(2, hand.records());
    }

    @Test
    void bytesBoundItTooButAMessageLargerThanTheLimitGoesAlone() {
        DeliveriesInHand hand = new DeliveriesInHand(100, 1000);
        assertTrue(hand.take(600).toCompletableFuture().isDone());
        CompletableFuture<Void> second = hand.take(600).toCompletableFuture();
        CompletableFuture<Void> small = hand.take(10).toCompletableFuture();
        assertFalse(second.isDone(), "1200 bytes would be in hand");
        assertFalse(small.isDone(), "records are taken in order");
        hand.release(600);
        assertTrue(second.isDone());
        assertTrue(small.isDone());
        hand.release(600);
        hand.release(10);
        assertTrue(hand.take(5000).toCompletableFuture().isDone(), "alone, a large message is taken");
    }
}
