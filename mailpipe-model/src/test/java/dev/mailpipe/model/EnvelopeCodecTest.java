package dev.mailpipe.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class EnvelopeCodecTest {

    private static Envelope sample() {
        return Envelope.received("m1", Instant.parse("2026-01-02T03:04:05Z"),
                new Envelope.Client("127.0.0.1", "client.test", false, null), "a@b.test",
                List.of(Recipient.of("alice@example.test", "rfc822;alice@example.test", "FAILURE"),
                        Recipient.of("bcc@remote.test")),
                42);
    }

    @Test
    void roundTripKeepsEveryField() {
        Envelope e = sample().withRoute(new Route("remote.test",
                List.of(new Route.MxHost("mx1.remote.test", 10, List.of("127.0.0.2"))), null));
        Envelope back = EnvelopeCodec.decode(EnvelopeCodec.encode(e));
        assertEquals(e, back);
        assertEquals("m1", back.id());
        assertEquals(2, back.recipients().size());
        assertEquals("FAILURE", back.recipients().get(0).notifyOn().orElseThrow());
        assertEquals("mx1.remote.test", back.route().orElseThrow().mx().get(0).host());
        assertEquals(42, back.size());
    }

    @Test
    void unknownFieldsPassThroughUnchanged() {
        String json = "{\"v\":1,\"id\":\"x\",\"mailFrom\":\"\",\"future\":{\"k\":[1,2]},"
                + "\"rcptTo\":[{\"address\":\"a@b.test\",\"xtra\":true}]}";
        Envelope e = EnvelopeCodec.decode(json.getBytes(StandardCharsets.UTF_8));
        Envelope changed = e.withAttempt(3, Instant.EPOCH, Instant.EPOCH.plusSeconds(60))
                .withRecipients(List.of(e.recipients().get(0).withAddress("c@b.test")));
        String out = new String(EnvelopeCodec.encode(changed), StandardCharsets.UTF_8);
        assertTrue(out.contains("\"future\":{\"k\":[1,2]}"), out);
        assertTrue(out.contains("\"xtra\":true"), out);
        assertTrue(e.hasNullSender());
        assertEquals(3, changed.attempt());
    }

    @Test
    void rejectsWhatNoStageCanUse() {
        assertThrows(MalformedEnvelopeException.class, () -> EnvelopeCodec.decode(null));
        assertThrows(MalformedEnvelopeException.class, () -> EnvelopeCodec.decode("nope".getBytes()));
        assertThrows(MalformedEnvelopeException.class, () -> EnvelopeCodec.decode("[]".getBytes()));
        assertThrows(MalformedEnvelopeException.class,
                () -> EnvelopeCodec.decode("{\"v\":2,\"id\":\"x\",\"mailFrom\":\"\",\"rcptTo\":[{\"address\":\"a@b\"}]}".getBytes()));
        assertThrows(MalformedEnvelopeException.class,
                () -> EnvelopeCodec.decode("{\"v\":1,\"id\":\"x\",\"mailFrom\":\"\",\"rcptTo\":[]}".getBytes()));
        assertThrows(MalformedEnvelopeException.class,
                () -> EnvelopeCodec.decode("{\"v\":1,\"id\":\"x\",\"mailFrom\":\"\",\"rcptTo\":[{\"address\":\"a@b\"}],\"notBefore\":\"soon\"}".getBytes()));
    }

    @Test
    void mailParametersAreTypedAndTravelUnderTheirContractNames() {
        Envelope e = sample().withMailParameters(Envelope.BodyType.EIGHT_BIT_MIME, true, Envelope.Ret.HDRS, "QQ+2B1")
                .withDelayWarned();
        String json = new String(EnvelopeCodec.encode(e), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"body\":\"8BITMIME\"") && json.contains("\"smtputf8\":true")
                && json.contains("\"ret\":\"HDRS\"") && json.contains("\"envid\":\"QQ+2B1\"")
                && json.contains("\"delayWarned\":true"), json);
        Envelope back = EnvelopeCodec.decode(EnvelopeCodec.encode(e));
        assertEquals(Envelope.BodyType.EIGHT_BIT_MIME, back.body());
        assertTrue(back.smtpUtf8());
        assertEquals(java.util.Optional.of(Envelope.Ret.HDRS), back.ret());
        assertEquals(java.util.Optional.of("QQ+2B1"), back.envid());
        assertTrue(back.delayWarned());
        Envelope plain = sample();
        assertEquals(Envelope.BodyType.SEVEN_BIT, plain.body());
        assertEquals(java.util.Optional.empty(), plain.ret());
        assertEquals(false, plain.smtpUtf8() || plain.delayWarned());
    }

    @Test
    void anUnknownBodyOrRetValueIsMalformedAtDecode() {
        assertThrows(MalformedEnvelopeException.class, () -> EnvelopeCodec.decode(
                "{\"v\":1,\"id\":\"x\",\"mailFrom\":\"\",\"rcptTo\":[{\"address\":\"a@b\"}],\"body\":\"9BIT\"}".getBytes()));
        assertThrows(MalformedEnvelopeException.class, () -> EnvelopeCodec.decode(
                "{\"v\":1,\"id\":\"x\",\"mailFrom\":\"\",\"rcptTo\":[{\"address\":\"a@b\"}],\"ret\":\"ALL\"}".getBytes()));
    }
}
