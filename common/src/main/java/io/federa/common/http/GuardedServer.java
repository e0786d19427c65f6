package io.federa.common.http;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Vert.x HTTP/1.1 server that keeps {@link ListenerLimits}: connections per client address and in
 * all, a deadline for each request head (from the connection's opening, then from the previous
 * answer), an idle timeout and a bounded head. Netty reads every connection on an event loop, so a
 * client that trickles its bytes holds a socket and a few hundred bytes, never a thread.
 *
 * <p>The JDK's {@code HttpServer} that the agent used before read each request head on one of a
 * few threads, with no deadline: six connections sending a byte every 8 s stopped Jolokia.
 */
public final class GuardedServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GuardedServer.class);

    private final Vertx vertx;
    private final ListenerLimits limits;
    private final String name;
    private final Map<String, AtomicInteger> perAddress = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong timedOut = new AtomicLong();
    private final Map<HttpConnection, Connection> connections = new ConcurrentHashMap<>();
    private HttpServer server;
    private String scheme = "http";

    /** One open connection's deadline: the timer that closes it unless a request head comes first. */
    private final class Connection {
        final HttpConnection conn;
        long timer = -1;
        long requestTimer = -1;
        /** The latest request on this connection. */
        HttpServerRequest current;

        Connection(HttpConnection conn) {
            this.conn = conn;
        }

        synchronized void arm(long millis) {
            disarm();
            timer = vertx.setTimer(millis, id -> {
                timedOut.incrementAndGet();
                conn.close();
            });
        }

        synchronized void disarm() {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
                timer = -1;
            }
        }

        /**
         * Closes the connection unless {@code req}'s answer has left within {@code millis}. The
         * answer's end normally disarms this (and arms the keep-alive deadline); a handler may
         * have replaced that end handler (Vert.x Web's end handlers do), so the timer looks for
         * itself, and arms the keep-alive deadline if no request came since.
         */
        synchronized void armRequest(long millis, HttpServerRequest req) {
            disarmRequest();
            requestTimer = vertx.setTimer(millis, id -> {
                if (!req.response().ended()) {
                    timedOut.incrementAndGet();
                    conn.close();
                    return;
                }
                synchronized (this) {
                    if (current == req && timer < 0) {
                        arm(limits.keepAliveTimeout().toMillis());
                    }
                }
            });
        }

        synchronized void disarmRequest() {
            if (requestTimer >= 0) {
                vertx.cancelTimer(requestTimer);
                requestTimer = -1;
            }
        }
    }

    private GuardedServer(Vertx vertx, ListenerLimits limits, String name) {
        this.vertx = vertx;
        this.limits = limits;
        this.name = name;
    }

    /**
     * Listens on {@code address:port} (0: a free port) and hands every request head to
     * {@code handler}; waits for the socket. For a caller that is not on an event loop (a
     * program's start); a verticle uses {@link #start}.
     */
    public static GuardedServer listen(Vertx vertx, String name, String address, int port, ListenerLimits limits,
                                       Handler<HttpServerRequest> handler) {
        return listen(vertx, name, address, port, limits, Optional.empty(), handler);
    }

    /**
     * As {@link #listen(Vertx, String, String, int, ListenerLimits, Handler)}, speaking TLS only when
     * {@code tls} is given: a plain HTTP request is then never answered (the handshake fails and the
     * connection is closed), and without a client certificate signed by the fleet's authority none
     * is accepted when the configuration requires one.
     */
    public static GuardedServer listen(Vertx vertx, String name, String address, int port, ListenerLimits limits,
                                       Optional<? extends ServerTls> tls, Handler<HttpServerRequest> handler) {
        try {
            return start(vertx, name, address, port, limits, tls, handler).toCompletionStage().toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException(cause.getMessage(), cause);
        }
    }

    /**
     * Listens on {@code address:port} (0: a free port) without waiting, over TLS when {@code tls}
     * is given: the server once it listens.
     */
    public static Future<GuardedServer> start(Vertx vertx, String name, String address, int port, ListenerLimits limits,
                                              Optional<? extends ServerTls> tls, Handler<HttpServerRequest> handler) {
        GuardedServer g = new GuardedServer(vertx, limits, name);
        g.scheme = tls.isPresent() ? "https" : "http";
        HttpServerOptions options = new HttpServerOptions()
                .setHost(address)
                .setPort(port)
                .setIdleTimeout((int) limits.idleTimeout().toMillis())
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setMaxInitialLineLength(Math.min(4096, limits.maxHeaderBytes()))
                .setMaxHeaderSize(limits.maxHeaderBytes())
                .setHttp2ClearTextEnabled(false)
                .setCompressionSupported(false)
                .setDecompressionSupported(false)
                .setTcpNoDelay(true)
                .setAcceptBacklog(1024);
        tls.ifPresent(t -> t.serve(options));
        HttpServer server = vertx.createHttpServer(options);
        server.connectionHandler(g::accepted);
        server.requestHandler(req -> {
            Connection c = g.connections.get(req.connection());
            if (c != null) {
                synchronized (c) {
                    c.disarm();
                    c.current = req;
                }
                req.response().endHandler(v -> {
                    c.disarmRequest();
                    c.arm(limits.keepAliveTimeout().toMillis());
                });
            }
            handler.handle(req);
        });
        return server.listen().map(s -> {
            g.server = s;
            return g;
        }).recover(e -> Future.failedFuture(new IllegalStateException("the " + name + " listener cannot listen on "
                + address + ":" + port + ": " + e.getMessage(), e)));
    }

    private void accepted(HttpConnection conn) {
        String address = conn.remoteAddress() == null ? "?" : conn.remoteAddress().hostAddress();
        int all = open.incrementAndGet();
        int mine = perAddress.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
        Connection c = new Connection(conn);
        conn.closeHandler(v -> {
            c.disarm();
            c.disarmRequest();
            connections.remove(conn);
            open.decrementAndGet();
            perAddress.computeIfPresent(address, (a, n) -> n.decrementAndGet() <= 0 ? null : n);
        });
        if (all > limits.maxConnections() || mine > limits.maxConnectionsPerAddress()) {
            if (refused.incrementAndGet() % 1000 == 1) {
                LOG.warn(name + ": refused a connection from " + address + " (" + mine + " open from that address, "
                        + all + " in all; limits " + limits.maxConnectionsPerAddress() + " and " + limits.maxConnections()
                        + "); " + refused.get() + " refused since start");
            }
            conn.close();
            return;
        }
        connections.put(conn, c);
        c.arm(limits.requestHeadTimeout().toMillis());
    }

    /**
     * Closes the connection unless {@code req}'s answer has been sent within the request timeout:
     * a body trickled in, or an answer the client does not read, holds nothing for longer.
     * Transfers of VM data, which may rightly take hours, do not call this.
     */
    public void deadline(HttpServerRequest req) {
        Connection c = connections.get(req.connection());
        if (c != null) {
            c.armRequest(limits.requestTimeout().toMillis(), req);
        }
    }

    /** What this listener serves, as its logs and metrics name it ({@code jolokia}, {@code metrics}, {@code api}). */
    public String name() {
        return name;
    }

    /** Connections closed for want of a request head in time, since start. */
    public long timedOut() {
        return timedOut.get();
    }

    /** Connections refused over a limit, since start. */
    public long refused() {
        return refused.get();
    }

    public int openConnections() {
        return open.get();
    }

    public InetSocketAddress address(String host) {
        return new InetSocketAddress(host, server.actualPort());
    }

    /** {@code https} when this listener speaks TLS, else {@code http}. */
    public String scheme() {
        return scheme;
    }

    public int port() {
        return server.actualPort();
    }

    /** Stops listening without waiting. */
    public Future<Void> stop() {
        return server == null ? Future.succeededFuture() : server.close();
    }

    @Override
    public void close() {
        if (server != null) {
            try {
                server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.debug(name + ": closing: " + e);
            }
        }
    }
}
