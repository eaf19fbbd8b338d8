package dev.mailpipe.ingress;

import io.vertx.core.Future;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;

/**
 * Waiting for a chain's answer without blocking the event loop: an answer that is there goes on at
 * once; one still to come stops the session's input, and goes on back on its event loop, unless the
 * client has left meanwhile.
 */
final class HookAnswer {
    private HookAnswer() {
    }

    /**
     * {@code then} gets the answer on the event loop. When it had to wait and {@code resume} is set,
     * the session's input flows again after {@code then} (which has written the reply); a caller
     * whose work goes on past {@code then} (queueing) resumes it itself.
     */
    static void then(Future<HookResult> answer, Session session, Wire wire, boolean resume, Consumer<HookResult> then) {
        if (answer.isComplete()) {
            then.accept(resultOf(answer));
            return;
        }
        wire.await();
        answer.onComplete(done -> wire.onEventLoop(() -> {
            session.settled();
            if (wire.closed() || done.failed() && done.cause() instanceof CancellationException) {
                return; // the client went away: nobody to answer, nothing to queue
            }
            then.accept(resultOf(answer));
            if (resume) {
                wire.resume();
            }
        }));
    }

    private static HookResult resultOf(Future<HookResult> answer) {
        return answer.succeeded() ? answer.result() : HookResult.refuse(HookChain.HOOK_FAILED);
    }
}
