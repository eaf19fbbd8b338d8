package dev.mailpipe.ingress;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.List;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * The hooks of one phase, asked in order until one accepts or refuses. A hook that answers at once
 * costs no more than a method call (the common case: the recipient policy, the sender's login); one
 * that waits (DNS, a policy server, a scanner) makes the chain wait, and the rest are asked on
 * whatever thread its answer came on; the caller goes back to its event loop.
 *
 * <p>A hook that fails instead of answering refuses with {@code 451 4.3.0}: a policy that cannot be
 * asked must not let through what it exists to stop, and the client may try again.
 */
final class HookChain<H> {
    private static final Logger LOG = Logger.getLogger(HookChain.class);
    static final Reply HOOK_FAILED = Reply.of(451, "4.3.0", "Error: a policy check failed, try again later");

    private final List<H> hooks;

    HookChain(List<H> hooks) {
        this.hooks = List.copyOf(hooks);
    }

    static <H> HookChain<H> of(List<H> hooks) {
        return new HookChain<>(hooks);
    }

    boolean isEmpty() {
        return hooks.isEmpty();
    }

    /** The chain's answer: the first that is not {@link HookResult#NEXT}, or NEXT when all had none. */
    Future<HookResult> ask(Function<H, Future<HookResult>> question) {
        return ask(question, 0);
    }

    private Future<HookResult> ask(Function<H, Future<HookResult>> question, int from) {
        for (int i = from; i < hooks.size(); i++) {
            H hook = hooks.get(i);
            Future<HookResult> answer;
            try {
                answer = question.apply(hook);
            } catch (RuntimeException e) {
                answer = Future.failedFuture(e);
            }
            if (!answer.isComplete()) {
                int next = i + 1;
                Promise<HookResult> rest = Promise.promise();
                answer.onComplete(r -> continueAfter(hook, r.succeeded() ? r.result() : failed(hook, r.cause()),
                        question, next, rest));
                return rest.future();
            }
            HookResult result = answer.succeeded() ? answer.result() : failed(hook, answer.cause());
            if (result.kind() != HookResult.Kind.NEXT) {
                return answer.succeeded() ? answer : Future.succeededFuture(result);
            }
        }
        return HookResult.NEXT_NOW;
    }

    private void continueAfter(H hook, HookResult result, Function<H, Future<HookResult>> question, int next,
            Promise<HookResult> rest) {
        if (result.kind() != HookResult.Kind.NEXT) {
            rest.tryComplete(result);
            return;
        }
        ask(question, next).onComplete(rest);
    }

    private static HookResult failed(Object hook, Throwable cause) {
        if (cause instanceof java.util.concurrent.CancellationException) {
            return HookResult.refuse(HOOK_FAILED); // the client went away: nobody hears it
        }
        LOG.warnf(cause, "hook %s failed; the command is deferred", hook.getClass().getSimpleName());
        return HookResult.refuse(HOOK_FAILED);
    }
}
