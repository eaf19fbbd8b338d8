package dev.mailpipe.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mailpipe.model.MailEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The console's events per minute: each graphed type in the minute its record was written, the rest not at all. */
@Tag("unit")
class EventMinutesTest {
    private static final long NOW = 1_800_000_000_000L;

    private static byte[] event(String type) {
        MailEvent e = MailEvent.of("q1", "stage", type, null, "d");
        if (type.equals("received")) {
            e = e.with("client", "192.0.2.1").with("tls", true).with("recipients", List.of("a@b.test")).with("size", 10);
        }
        return e.toJson();
    }

    @Test
    void eachTypeCountsInItsMinuteAndAnHourIsKept() {
        EventMinutes m = new EventMinutes();
        m.count(NOW, event("received"));
        m.count(NOW, event("received"));
        m.count(NOW - 60_000, event("delivered"));
        m.count(NOW, event("routed"));
        m.count(NOW, "not json at all".getBytes(StandardCharsets.US_ASCII));
        m.count(NOW, null);
        m.count(NOW - 2 * 3_600_000L, event("bounced"));
        List<EventMinutes.Minute> hour = m.lastHour(NOW);
        assertEquals(60, hour.size());
        assertEquals(NOW / 60_000 * 60_000, hour.get(59).startMillis());
        assertArrayEquals(new long[] {2, 0, 0, 0, 0}, hour.get(59).counts(), "received twice; routed is not graphed");
        assertArrayEquals(new long[] {0, 1, 0, 0, 0}, hour.get(58).counts());
        assertEquals(0, hour.stream().mapToLong(x -> x.counts()[4]).sum(), "two hours ago is not in the last hour");
        m.clear();
        assertEquals(0, m.lastHour(NOW).stream().mapToLong(x -> x.counts()[0]).sum());
    }
}
