package dev.mailpipe.ingress;

import io.vertx.core.Future;

/**
 * What one hook says of a command, as Haraka's {@code next()} and James's {@code HookResult} do:
 * no opinion (the next hook decides), accept now (the hooks after it are not asked), or refuse with
 * a reply. A chain whose hooks all had no opinion accepts.
 */
record HookResult(Kind kind, Reply reply) {
    enum Kind { NEXT, ACCEPT, REFUSE }

    static final HookResult NEXT = new HookResult(Kind.NEXT, null);
    static final HookResult ACCEPT = new HookResult(Kind.ACCEPT, null);
    /** The answers of a hook that decides at once, made once: no allocation per command. */
    static final Future<HookResult> NEXT_NOW = Future.succeededFuture(NEXT);
    static final Future<HookResult> ACCEPT_NOW = Future.succeededFuture(ACCEPT);

    static HookResult refuse(Reply reply) {
        return new HookResult(Kind.REFUSE, reply);
    }

    static Future<HookResult> refuseNow(Reply reply) {
        return Future.succeededFuture(refuse(reply));
    }

    boolean refused() {
        return kind == Kind.REFUSE;
    }
}
