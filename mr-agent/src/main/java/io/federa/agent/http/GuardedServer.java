package io.federa.agent.http;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;

import java.net.InetSocketAddress;
import io.federa.agent.tls.AgentTls;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * A Vert.x HTTP/1.1 server that keeps {@link HttpLimits}: connections per client address and in
 * all, a deadline for each request head (from the connection's opening, then from the previous
 * answer), an idle timeout and a bounded head. Netty reads every connection on an event loop, so a
 * client that trickles its bytes holds a socket and a few hundred bytes, never a thread.
 *
 * <p>The JDK's {@code HttpServer} that the agent used before read each request head on one of a
 * few threads, with no deadline: six connections sending a byte every 8 s stopped Jolokia.
 */
public final class GuardedServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(GuardedServer.class.getName());

    private final Vertx vertx;
    private final HttpLimits limits;
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

        synchronized void armRequest(long millis) {
            disarmRequest();
            requestTimer = vertx.setTimer(millis, id -> {
                timedOut.incrementAndGet();
                conn.close();
            });
        }

        synchronized void disarmRequest() {
            if (requestTimer >= 0) {
                vertx.cancelTimer(requestTimer);
                requestTimer = -1;
            }
        }
    }

    private GuardedServer(Vertx vertx, HttpLimits limits, String name) {
        this.vertx = vertx;
        this.limits = limits;
        this.name = name;
    }

    /** Listens on {@code address:port} (0: a free port) and hands every request head to {@code handler}. */
    public static GuardedServer listen(Vertx vertx, String name, String address, int port, HttpLimits limits,
                                       Handler<HttpServerRequest> handler) {
        return listen(vertx, name, address, port, limits, Optional.empty(), handler);
    }

    /**
     * As {@link #listen(Vertx, String, String, int, HttpLimits, Handler)}, speaking TLS only when
     * {@code tls} is given: a plain HTTP request is then never answered (the handshake fails and the
     * connection is closed), and without a client certificate signed by the fleet's authority none
     * is accepted when the configuration requires one.
     */
    public static GuardedServer listen(Vertx vertx, String name, String address, int port, HttpLimits limits,
                                       Optional<AgentTls> tls, Handler<HttpServerRequest> handler) {
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
                c.disarm();
                req.response().endHandler(v -> {
                    c.disarmRequest();
                    c.arm(limits.keepAliveTimeout().toMillis());
                });
            }
            handler.handle(req);
        });
        try {
            g.server = server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("the " + name + " listener cannot listen on " + address + ":" + port + ": "
                    + cause.getMessage(), cause);
        }
        return g;
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
                LOG.warning(name + ": refused a connection from " + address + " (" + mine + " open from that address, "
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
            c.armRequest(limits.requestTimeout().toMillis());
        }
    }

    /** What this listener serves: {@code jolokia} or {@code metrics}. */
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

    @Override
    public void close() {
        if (server != null) {
            try {
                server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.fine(name + ": closing: " + e);
            }
        }
    }
}
