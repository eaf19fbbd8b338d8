package dev.mailpipe.runtime.commit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class PartitionProgressTest {

    private static ConsumerRecord<String, byte[]> at(long offset) {
        return new ConsumerRecord<>("mail.relay", 0, offset, "remote.test", new byte[0]);
    }

    @Test
    void theCommitStaysAtTheOldestRecordInFlightAndCarriesWhatFinishedAbove() {
        PartitionProgress p = new PartitionProgress(10, null);
        var r10 = at(10);
        var r11 = at(11);
        var r13 = at(13); // 12 is a transaction marker: never polled
        var r14 = at(14);
        for (var r : new ConsumerRecord<?, ?>[] {r10, r11, r13, r14}) {
            p.received(r);
        }
        assertEquals(10, p.commitPoint().offset());
        assertTrue(p.finished(r11));
        assertTrue(p.finished(r14));
        OffsetAndMetadata point = p.commitPoint();
        assertEquals(10, point.offset(), "10 is still under way");
        assertEquals(Set.of(11L, 14L), PartitionProgress.decode(point.offset(), point.metadata()));
        assertTrue(p.finished(r10));
        point = p.commitPoint();
        assertEquals(13, point.offset(), "past 10 and 11, over the marker, to 13");
        assertEquals(Set.of(14L), PartitionProgress.decode(13, point.metadata()));
        assertTrue(p.finished(r13));
        point = p.commitPoint();
        assertEquals(15, point.offset(), "everything received is done");
        assertEquals("", point.metadata());
    }

    @Test
    void theNextOwnerSkipsWhatThePreviousOneFinishedAndSendsTheRest() {
        PartitionProgress before = new PartitionProgress(0, null);
        var records = new ConsumerRecord<?, ?>[6];
        for (int i = 0; i < 6; i++) {
            records[i] = at(i);
            before.received(records[i]);
        }
        before.finished(records[0]);
        before.finished(records[2]);
        before.finished(records[5]);
        OffsetAndMetadata handedOver = before.commitPoint();
        assertEquals(1, handedOver.offset());

        PartitionProgress after = new PartitionProgress(handedOver.offset(), handedOver.metadata());
        Set<Long> sent = new TreeSet<>();
        for (long o = handedOver.offset(); o < 6; o++) {
            var r = at(o);
            after.received(r);
            if (!after.isDone(o)) {
                sent.add(o);
            }
            after.finished(r);
        }
        assertEquals(Set.of(1L, 3L, 4L), sent, "only what was under way at the hand-over");
        assertEquals(6, after.commitPoint().offset());
    }

    @Test
    void aStaleCopyOfARecordPolledAgainDoesNotCountForTheNewOne() {
        PartitionProgress p = new PartitionProgress(7, null);
        var fresh = at(7);
        p.received(fresh);
        var stale = at(7);
        assertFalse(p.isPending(stale));
        assertFalse(p.finished(stale), "the copy from before the partition came back");
        assertEquals(7, p.commitPoint().offset());
        assertTrue(p.finished(fresh));
        assertEquals(8, p.commitPoint().offset());
    }

    @Test
    void aRecordLeftWhileStoppingHoldsTheCommitBackButNobodyWaitsForIt() {
        PartitionProgress p = new PartitionProgress(0, null);
        var r0 = at(0);
        var r1 = at(1);
        var r2 = at(2);
        p.received(r0);
        p.received(r1);
        p.received(r2);
        p.finished(r0);
        assertTrue(p.leave(r1), "nacked as the replica stops");
        p.finished(r2);
        assertEquals(0, p.pendingCount(), "a hand-over does not wait for it");
        OffsetAndMetadata point = p.commitPoint();
        assertEquals(1, point.offset(), "the next owner starts at the record left");
        assertEquals(Set.of(2L), PartitionProgress.decode(1, point.metadata()));
    }

    @Test
    void metadataStaysUnderKafkasLimitAndWhatIsLeftOutIsOnlySentAgain() {
        Set<Long> many = new TreeSet<>();
        for (long o = 1; o <= 5000; o++) {
            many.add(o * 7);
        }
        String m = PartitionProgress.encode(0, many);
        assertTrue(m.length() <= PartitionProgress.MAX_METADATA_CHARS, m.length() + " characters");
        Set<Long> back = PartitionProgress.decode(0, m);
        assertTrue(back.size() > 500, "hundreds of offsets fit: " + back.size());
        assertTrue(many.containsAll(back), "nothing that was not done is claimed done");
        assertEquals(Set.of(), PartitionProgress.decode(0, "written by another strategy"));
        assertEquals(Set.of(), PartitionProgress.decode(0, "mailpipe-done-1:zz,!!"));
    }

    @Test
    void aPartitionWhoseRecordsAreAllDoneCommitsPastTheMarkerAfterThem() {
        PartitionProgress p = new PartitionProgress(20, null);
        var r20 = at(20);
        var r21 = at(21);
        p.received(r20);
        p.received(r21);
        p.polledUpTo(23); // 22 is the commit marker of the transaction that wrote 20 and 21
        assertEquals(20, p.commitPoint().offset());
        p.finished(r20);
        p.finished(r21);
        assertEquals(23, p.commitPoint().offset(), "lag 0 as Kafka counts it, not 1");
    }
}
