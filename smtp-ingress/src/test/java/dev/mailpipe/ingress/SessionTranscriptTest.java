package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.model.Account;
import dev.mailpipe.model.MailboxDirectory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Promise;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The session's phases and their hooks as scripted transcripts (vertx-mail-client's style): each
 * line the client sends, and the replies the session writes to its {@link Wire}, with hooks the
 * test decides for, some at once and some later.
 */
@Tag("unit")
class SessionTranscriptTest {
    private static final IngressConfig CONFIG = TestConfig.of(IngressConfig.class,
            java.util.Map.of("mailpipe.ingress.hostname", "mx.test"));

    /** Directory of one local domain with no mailboxes: the recipient policy is not what is tested here. */
    private static final MailboxDirectory NOBODY = new MailboxDirectory() {
        @Override
        public boolean isLocalDomain(String domainKey) {
            return false;
        }

        @Override
        public Optional<Account.Mailbox> mailbox(String key) {
            return Optional.empty();
        }

        @Override
        public Optional<Account.Alias> alias(String key) {
            return Optional.empty();
        }

        @Override
        public Optional<String> catchAll(String domainKey) {
            return Optional.empty();
        }

        @Override
        public String primaryDomain() {
            return "example.test";
        }
    };

    /** The connection side, as the session sees it: what was written, and whether input flows. */
    private static final class ScriptedWire implements Wire {
        final List<String> written = new ArrayList<>();
        boolean awaiting;
        boolean closed;
        boolean sentAhead;
        long released;

        @Override
        public void reply(Reply reply) {
            write(reply);
        }

        @Override
        public void reply(Reply reply, boolean countsAsError) {
            write(reply);
        }

        @Override
        public void write(Reply reply) {
            written.add(reply.toBuffer().toString(StandardCharsets.UTF_8).trim());
        }

        @Override
        public void await() {
            awaiting = true;
        }

        @Override
        public void resume() {
            awaiting = false;
        }

        @Override
        public void onEventLoop(Runnable task) {
            task.run();
        }

        @Override
        public boolean closed() {
            return closed;
        }

        @Override
        public void readMessage(long maxMessageSize, MessageBytes into) {
        }

        @Override
        public void readChunk(long length, MessageBytes into, long sizeSoFar, long maxMessageSize) {
        }

        @Override
        public boolean sentAhead() {
            return sentAhead;
        }

        @Override
        public long messageSize() {
            return 0;
        }

        @Override
        public void startTls(Runnable established) {
        }

        @Override
        public boolean reserveMessageMemory(long size) {
            return true;
        }

        @Override
        public void messageReleased() {
            released++;
        }
    }

    private final ScriptedWire wire = new ScriptedWire();

    private SmtpSession session(SessionHooks hooks) {
        return session(hooks, "198.51.100.7");
    }

    private SmtpSession session(SessionHooks hooks, String clientIp) {
        IngressMetrics metrics = new IngressMetrics(new SimpleMeterRegistry());
        SessionContext context = new SessionContext(CONFIG, null, metrics, null,
                new RecipientPolicy(NOBODY, new ClientNetworks(List.of("192.0.2.0/24"))), null, () -> "example.test", false,
                false, c -> { }, hooks, MessageMemory.of(CONFIG), () -> false, null, new PipeliningTest(true, metrics));
        return new SmtpSession(context, wire, "s1", clientIp);
    }

    /** The client sends {@code line}; the replies written since, one string each. */
    private List<String> send(SmtpSession session, String line) {
        wire.written.clear();
        session.command(new SmtpInput.CommandLine(line, false));
        return List.copyOf(wire.written);
    }

    private static SessionHooks.Rcpt everyoneLocal() {
        return (s, tx, rcpt) -> HookResult.NEXT_NOW;
    }

    @Test
    void aHeloHookThatRefusesLeavesTheSessionUngreeted() {
        SmtpSession s = session(SessionHooks.builder().helo((view, name) -> name.endsWith(".invalid")
                ? HookResult.refuseNow(Reply.of(550, "5.7.1", "no such host")) : HookResult.NEXT_NOW).build());
        assertEquals(List.of("550 5.7.1 no such host"), send(s, "EHLO spam.invalid"));
        assertEquals(List.of("503 5.5.1 Error: send HELO/EHLO first"), send(s, "MAIL FROM:<a@b.test>"));
        assertEquals(List.of("250 mx.test"), send(s, "HELO good.test"));
    }

    @Test
    void aMailHookThatWaitsHoldsTheInputUntilItAnswers() {
        Promise<HookResult> later = Promise.promise();
        List<String> seen = new ArrayList<>();
        SmtpSession s = session(SessionHooks.builder().mail((view, sender, params) -> {
            seen.add(view.helo() + " " + sender);
            return later.future();
        }).rcpt(everyoneLocal()).build());
        send(s, "EHLO client.test");
        assertEquals(List.of(), send(s, "MAIL FROM:<a@b.test>"), "no reply before the hook has answered");
        assertTrue(wire.awaiting, "the next pipelined command waits unread");
        later.complete(HookResult.NEXT);
        assertEquals(List.of("250 2.1.0 Ok"), wire.written);
        assertFalse(wire.awaiting);
        assertEquals(List.of("client.test a@b.test"), seen);
        assertEquals(List.of("250 2.1.5 Ok"), send(s, "RCPT TO:<x@example.test>"));
    }

    @Test
    void rcptHooksDecideEachRecipientAndTheFirstWhoRefusesIsHeard() {
        SmtpSession s = session(SessionHooks.builder()
                .rcpt((view, tx, rcpt) -> rcpt.localPart().equals("gone")
                        ? HookResult.refuseNow(Reply.of(550, "5.1.1", "gone")) : HookResult.NEXT_NOW)
                .rcpt((view, tx, rcpt) -> tx.recipients.size() >= 1
                        ? HookResult.refuseNow(Reply.of(452, "4.5.3", "one at a time")) : HookResult.NEXT_NOW)
                .build());
        send(s, "EHLO client.test");
        send(s, "MAIL FROM:<>");
        assertEquals(List.of("550 5.1.1 gone"), send(s, "RCPT TO:<gone@example.test>"));
        assertEquals(List.of("554 5.5.1 Error: no valid recipients"), send(s, "DATA"), "nobody accepted yet");
        assertEquals(List.of("250 2.1.5 Ok"), send(s, "RCPT TO:<alice@example.test>"));
        assertEquals(List.of("452 4.5.3 one at a time"), send(s, "RCPT TO:<bob@example.test>"));
    }

    @Test
    void aConnectHookRefusalOf4xxTurnsAwayAnd5xxRefusesEachRecipient() {
        SmtpSession away = session(SessionHooks.builder()
                .connect(view -> HookResult.refuseNow(Reply.of(421, "4.7.0", "busy"))).build());
        assertEquals(421, away.connect().result().reply().code());

        SmtpSession listed = session(SessionHooks.builder().rcpt(everyoneLocal())
                .connect(view -> HookResult.refuseNow(Reply.of(550, "5.7.1", "listed by zen.test"))).build());
        assertSame(HookResult.NEXT, listed.connect().result(), "greeted, so that the log names sender and recipients");
        send(listed, "EHLO client.test");
        assertEquals(List.of("250 2.1.0 Ok"), send(listed, "MAIL FROM:<a@b.test>"));
        assertEquals(List.of("550 5.7.1 listed by zen.test"), send(listed, "RCPT TO:<alice@example.test>"));
    }

    @Test
    void anAllowListsWordAtConnectGreetsAtOnce() {
        SmtpSession allowed = session(SessionHooks.builder().connect(view -> HookResult.ACCEPT_NOW)
                .connect(view -> HookResult.refuseNow(Reply.of(421, "4.7.0", "never asked"))).build());
        assertSame(HookResult.ACCEPT, allowed.connect().result());
    }

    @Test
    void aDataHookRefusalEndsTheTransactionAndAddedFieldsGoBelowTheTrace() {
        List<String> texts = new ArrayList<>();
        SmtpSession s = session(SessionHooks.builder().rcpt(everyoneLocal())
                .data((view, tx, message) -> {
                    message.addFieldsBelowTrace("X-Added: 1\r\n".getBytes(StandardCharsets.US_ASCII));
                    return HookResult.NEXT_NOW;
                })
                .data((view, tx, message) -> {
                    texts.add(new String(message.bytes(), StandardCharsets.US_ASCII));
                    return HookResult.refuseNow(Reply.of(554, "5.7.1", "spam"));
                }).build());
        send(s, "EHLO client.test");
        send(s, "MAIL FROM:<a@b.test>");
        send(s, "RCPT TO:<alice@example.test>");
        assertEquals(List.of("354 End data with <CR><LF>.<CR><LF>"), send(s, "DATA"));
        MessageBytes text = new MessageBytes("Received: by mx.test\r\n".getBytes(StandardCharsets.US_ASCII), 0);
        byte[] body = "Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        text.append(body, 0, body.length);
        wire.written.clear();
        s.endOfData(new SmtpInput.Message(text, SmtpInput.Violation.NONE));
        assertEquals(List.of("554 5.7.1 spam"), wire.written);
        assertEquals(List.of("Received: by mx.test\r\nX-Added: 1\r\nSubject: hi\r\n\r\nbody\r\n"), texts);
        assertFalse(wire.awaiting, "the next command is read");
        assertEquals(List.of("503 5.5.1 Error: need MAIL command"), send(s, "RCPT TO:<alice@example.test>"));
    }

    @Test
    void aClientThatSendsAheadOfEhloHasItsRecipientsRefusedAndOfDataItsMessage() {
        SmtpSession s = session(SessionHooks.builder().rcpt(everyoneLocal()).build());
        wire.sentAhead = true;
        assertTrue(send(s, "EHLO spamware.test").get(0).startsWith("250-mx.test"), "EHLO itself is answered");
        assertEquals(List.of("250 2.1.0 Ok"), send(s, "MAIL FROM:<a@b.test>"));
        assertEquals(List.of("550 5.5.1 Protocol error"), send(s, "RCPT TO:<alice@example.test>"));

        SmtpSession t = session(SessionHooks.builder().rcpt(everyoneLocal()).build());
        wire.sentAhead = false;
        send(t, "EHLO client.test");
        wire.sentAhead = true; // RFC 2920: MAIL, RCPT and DATA may go in one group after EHLO
        assertEquals(List.of("250 2.1.0 Ok"), send(t, "MAIL FROM:<a@b.test>"));
        assertEquals(List.of("250 2.1.5 Ok"), send(t, "RCPT TO:<alice@example.test>"));
        assertEquals(List.of("503 5.5.0 Error: improper use of SMTP command pipelining"), send(t, "DATA"),
                "but not the message before 354");

        SmtpSession relay = session(SessionHooks.builder().rcpt(everyoneLocal()).build(), "192.0.2.5");
        send(relay, "EHLO relay.test");
        send(relay, "MAIL FROM:<a@b.test>");
        assertEquals(List.of("250 2.1.5 Ok"), send(relay, "RCPT TO:<alice@example.test>"), "relay networks skip the test");
    }

    @Test
    void aClientThatLeavesWhileAHookWaitsCallsItsWorkOffAndHearsNothing() {
        Promise<HookResult> later = Promise.promise();
        AtomicBoolean cancelled = new AtomicBoolean();
        SmtpSession s = session(SessionHooks.builder().rcpt((view, tx, rcpt) -> {
            view.cancelOnClose(() -> cancelled.set(true));
            return later.future();
        }).build());
        send(s, "EHLO client.test");
        send(s, "MAIL FROM:<a@b.test>");
        assertEquals(List.of(), send(s, "RCPT TO:<alice@example.test>"));
        wire.closed = true;
        s.connectionClosed();
        assertTrue(cancelled.get());
        later.complete(HookResult.NEXT);
        assertEquals(List.of(), wire.written);
    }
}
