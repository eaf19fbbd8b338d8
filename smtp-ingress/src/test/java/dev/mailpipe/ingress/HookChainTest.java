package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The order a chain asks its hooks in, and where it stops. */
@Tag("unit")
class HookChainTest {
    private final List<String> asked = new ArrayList<>();

    private Supplier<Future<HookResult>> hook(String name, Future<HookResult> answer) {
        return () -> {
            asked.add(name);
            return answer;
        };
    }

    private Future<HookResult> ask(List<Supplier<Future<HookResult>>> hooks) {
        return HookChain.of(hooks).ask(Supplier::get);
    }

    @Test
    void hooksWithNoOpinionAreAllAskedInOrderAndTheChainAccepts() {
        Future<HookResult> answer = ask(List.of(hook("a", HookResult.NEXT_NOW), hook("b", HookResult.NEXT_NOW)));
        assertSame(HookResult.NEXT, answer.result());
        assertEquals(List.of("a", "b"), asked);
        assertSame(HookResult.NEXT, ask(List.of()).result(), "an empty chain has no opinion");
    }

    @Test
    void anAcceptOrARefusalEndsTheChain() {
        assertSame(HookResult.ACCEPT, ask(List.of(hook("a", HookResult.ACCEPT_NOW), hook("b", HookResult.NEXT_NOW))).result());
        Reply no = Reply.of(550, "5.7.1", "no");
        HookResult refused = ask(List.of(hook("c", HookResult.NEXT_NOW), hook("d", HookResult.refuseNow(no)),
                hook("e", HookResult.ACCEPT_NOW))).result();
        assertTrue(refused.refused());
        assertSame(no, refused.reply());
        assertEquals(List.of("a", "c", "d"), asked);
    }

    @Test
    void theHooksAfterOneThatWaitsAreAskedOnlyOnceItHasAnswered() {
        Promise<HookResult> later = Promise.promise();
        Future<HookResult> answer = ask(List.of(hook("slow", later.future()), hook("after", HookResult.refuseNow(
                Reply.of(450, "4.7.1", "later")))));
        assertFalse(answer.isComplete());
        assertEquals(List.of("slow"), asked);
        later.complete(HookResult.NEXT);
        assertEquals(List.of("slow", "after"), asked);
        assertEquals(450, answer.result().reply().code());
    }

    @Test
    void aHookThatFailsOrThrowsDefersTheCommand() {
        Promise<HookResult> later = Promise.promise();
        Future<HookResult> answer = ask(List.of(hook("down", later.future()), hook("never", HookResult.ACCEPT_NOW)));
        later.fail(new IllegalStateException("policy server down"));
        assertSame(HookChain.HOOK_FAILED, answer.result().reply());
        assertEquals(List.of("down"), asked);
        Future<HookResult> thrown = HookChain.<Supplier<Future<HookResult>>>of(List.of(() -> {
            throw new IllegalArgumentException("a bug");
        })).ask(Supplier::get);
        assertSame(HookChain.HOOK_FAILED, thrown.result().reply());
    }
}
