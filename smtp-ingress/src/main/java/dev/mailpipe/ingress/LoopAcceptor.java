package dev.mailpipe.ingress;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.HAProxyMessageCompletionHandler;
import io.vertx.core.net.impl.NetSocketImpl;
import io.vertx.core.net.impl.SSLHelper;
import io.vertx.core.net.impl.SslChannelProvider;
import io.vertx.core.net.impl.VertxHandler;
import java.net.StandardSocketOptions;
import java.util.function.Supplier;

/**
 * A listening socket owned by one event loop, which accepts its connections itself and serves them
 * as Vert.x {@link NetSocket}s on the same loop. Each loop binds its own socket to the shared port
 * with {@code SO_REUSEPORT}, and the kernel spreads new connections over them.
 *
 * <p>Why not Vert.x's {@code NetServer}: in Vert.x 4 every accepted socket goes through one acceptor
 * thread, which sets its options and hands it to an event loop. An SMTP client opens a connection
 * per message or two, so that hand-off (a thread wake-up each way, six socket-option calls, four of
 * them setting defaults again) cost about an eighth of the ingress's throughput on two cores
 * ({@code bench/ingress}).
 * This does what {@code NetServerImpl} does for each connection, minus the hand-off: the same
 * {@code NetSocketImpl}, the same STARTTLS provider from the same options, the same PROXY protocol
 * handlers. Those are Vert.x internals; a Vert.x upgrade that changes them breaks the build here,
 * not the behaviour, and the SMTP, STARTTLS and PROXY tests cover every path.
 */
final class LoopAcceptor {
    private final Channel channel;
    private final NetServerOptions options;
    private final ContextInternal context;
    /** Read by each new connection: a reloaded certificate serves the connections after it. */
    private final java.util.concurrent.atomic.AtomicReference<SslChannelProvider> tls;

    private LoopAcceptor(Channel channel, NetServerOptions options, ContextInternal context,
            java.util.concurrent.atomic.AtomicReference<SslChannelProvider> tls) {
        this.channel = channel;
        this.options = options;
        this.context = context;
        this.tls = tls;
    }

    /**
     * Binds on the event loop of {@code context} (a verticle's, so the caller runs on it) and calls
     * {@code connected} on that context for each new connection.
     */
    static Future<LoopAcceptor> bind(Vertx vertx, Context context, NetServerOptions options, Handler<NetSocket> connected) {
        return bind(vertx, context, options, null, connected);
    }

    /**
     * As {@link #bind(Vertx, Context, NetServerOptions, Handler)}, for a PROXY-protocol listener:
     * a peer {@code proxies} does not know gets {@code refusal} and is closed before its header is
     * read, since the header would name whatever client it wanted.
     */
    static Future<LoopAcceptor> bind(Vertx vertx, Context context, NetServerOptions options, UntrustedProxy proxies,
            Handler<NetSocket> connected) {
        ContextInternal ctx = (ContextInternal) context;
        return tlsProvider(options, ctx).compose(initial -> {
            var provider = new java.util.concurrent.atomic.AtomicReference<>(initial);
            EventLoop loop = ctx.nettyEventLoop();
            ServerBootstrap bootstrap = new ServerBootstrap().group(loop)
                    .childOption(ChannelOption.TCP_NODELAY, options.isTcpNoDelay())
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            if (options.isUseProxyProtocol()) {
                                byte[] refusal = proxies == null ? null : proxies.refusal(ch.remoteAddress());
                                if (refusal != null) {
                                    ch.writeAndFlush(io.netty.buffer.Unpooled.wrappedBuffer(refusal))
                                            .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
                                    return;
                                }
                                // Counted from accept until the header is read or the peer leaves.
                                var pending = new java.util.concurrent.atomic.AtomicBoolean(proxies != null);
                                Runnable done = () -> {
                                    if (pending.compareAndSet(true, false)) {
                                        proxies.headerDone();
                                    }
                                };
                                ch.closeFuture().addListener(f -> done.run());
                                expectProxyHeader(ch, options, () -> {
                                    done.run();
                                    serve(ch, ctx, provider.get(), connected);
                                });
                            } else {
                                serve(ch, ctx, provider.get(), connected);
                            }
                        }
                    });
            if (vertx.isNativeTransportEnabled()) {
                bootstrap.channel(EpollServerSocketChannel.class).option(EpollChannelOption.SO_REUSEPORT, true);
            } else {
                bootstrap.channel(NioServerSocketChannel.class)
                        .option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
            }
            ChannelFuture bind = bootstrap.bind(options.getHost(), options.getPort());
            return when(bind, () -> new LoopAcceptor(bind.channel(), options, ctx, provider));
        });
    }

    /**
     * Decides, from a PROXY-port peer's own address, whether its header may be read, and counts the
     * connections whose header has not come yet (they hold a socket like any session).
     */
    interface UntrustedProxy {
        /** The reply that refuses {@code peer} (not a trusted proxy, or too many connections), or null: counted as pending. */
        byte[] refusal(java.net.SocketAddress peer);

        /** A pending connection's header came, or it closed before: it is no longer counted as pending. */
        void headerDone();
    }

    private static Future<SslChannelProvider> tlsProvider(NetServerOptions options, ContextInternal ctx) {
        return options.getKeyCertOptions() == null ? Future.succeededFuture()
                : new SSLHelper(options, null).buildChannelProvider(options.getSslOptions(), ctx);
    }

    /**
     * Reads the key and certificate again (cert-manager has rotated them): connections accepted from
     * now on, and their STARTTLS, use the new ones; open sessions keep theirs. A file that cannot be
     * read leaves the current certificate in place.
     */
    Future<Void> reloadTls() {
        return tlsProvider(options, context).onSuccess(tls::set).mapEmpty();
    }

    /** As Vert.x does: the PROXY header first, within its timeout, then the connection proper. */
    private static void expectProxyHeader(Channel ch, NetServerOptions options, Runnable then) {
        io.netty.util.concurrent.Promise<Channel> header = ch.eventLoop().newPromise();
        IdleStateHandler timeout = new IdleStateHandler(0, 0, options.getProxyProtocolTimeout(),
                options.getProxyProtocolTimeoutUnit());
        ch.pipeline().addLast(new HAProxyMessageDecoder()).addLast("proxyProtocolTimeout", timeout)
                .addLast(new HAProxyMessageCompletionHandler(header));
        header.addListener(f -> {
            if (f.isSuccess()) {
                ch.pipeline().remove(timeout);
                then.run();
            } else {
                ch.close();
            }
        });
    }

    private static void serve(Channel ch, ContextInternal ctx, SslChannelProvider tls, Handler<NetSocket> connected) {
        VertxHandler<NetSocketImpl> handler = VertxHandler.create(chctx -> new NetSocketImpl(ctx, chctx, tls, null, false));
        handler.addHandler(socket -> ctx.emit(socket, connected));
        ch.pipeline().addLast("handler", handler);
    }

    /** Stops accepting; connections already open carry on. */
    Future<Void> close() {
        return when(channel.close(), () -> null);
    }

    /** Netty's future as a Vert.x one, with {@code value} once it has succeeded. */
    private static <T> Future<T> when(io.netty.util.concurrent.Future<?> done, Supplier<T> value) {
        Promise<T> promise = Promise.promise();
        done.addListener(f -> {
            if (f.isSuccess()) {
                promise.complete(value.get());
            } else {
                promise.fail(f.cause());
            }
        });
        return promise.future();
    }
}
