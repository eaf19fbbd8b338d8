package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class SaslExchangeTest {
    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private final AtomicReference<SaslExchange> pending = new AtomicReference<>();

    @Test
    void plainWithAnInitialResponse() {
        var c = assertInstanceOf(SaslExchange.Credentials.class,
                SaslExchange.start("PLAIN " + b64("\0alice@example.test\0secret"), pending::set));
        assertEquals("alice@example.test", c.username());
        assertArrayEquals("secret".toCharArray(), c.password());
    }

    @Test
    void plainAfterAnEmptyChallenge() {
        var ch = assertInstanceOf(SaslExchange.Challenge.class, SaslExchange.start("plain", pending::set));
        assertEquals("", ch.challenge());
        var c = assertInstanceOf(SaslExchange.Credentials.class, pending.get().next(b64("alice\0alice\0pw")));
        assertEquals("alice", c.username());
    }

    @Test
    void plainRefusesToActForAnotherUser() {
        var f = assertInstanceOf(SaslExchange.Failed.class,
                SaslExchange.start("PLAIN " + b64("admin\0alice\0pw"), pending::set));
        assertEquals("535 5.7.8 Authentication credentials invalid", f.reply().toString());
    }

    @Test
    void loginAsksForUsernameThenPassword() {
        var u = assertInstanceOf(SaslExchange.Challenge.class, SaslExchange.start("LOGIN", pending::set));
        assertEquals(b64("Username:"), u.challenge());
        var p = assertInstanceOf(SaslExchange.Challenge.class, pending.get().next(b64("bob")));
        assertEquals(b64("Password:"), p.challenge());
        var c = assertInstanceOf(SaslExchange.Credentials.class, pending.get().next(b64("hunter2")));
        assertEquals("bob", c.username());
        assertArrayEquals("hunter2".toCharArray(), c.password());
    }

    @Test
    void cancelGarbageAndUnknownMechanisms() {
        assertEquals("504 5.5.4 Unrecognized authentication type",
                assertInstanceOf(SaslExchange.Failed.class, SaslExchange.start("CRAM-MD5", pending::set)).reply().toString());
        SaslExchange.start("LOGIN", pending::set);
        assertEquals("501 5.7.0 Authentication cancelled",
                assertInstanceOf(SaslExchange.Failed.class, pending.get().next("*")).reply().toString());
        assertEquals("501 5.5.2 Cannot decode response",
                assertInstanceOf(SaslExchange.Failed.class, pending.get().next("not base64!")).reply().toString());
        SaslExchange.start("PLAIN", pending::set);
        assertEquals("501 5.5.2 Malformed PLAIN response",
                assertInstanceOf(SaslExchange.Failed.class, pending.get().next(b64("no-nuls"))).reply().toString());
    }
}
