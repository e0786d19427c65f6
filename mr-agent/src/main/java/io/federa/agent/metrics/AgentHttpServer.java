package io.federa.agent.metrics;

import io.federa.agent.config.AgentConfig;
import io.federa.agent.core.HostSnapshot;
import io.federa.agent.data.DataExchange;
import io.federa.agent.http.HttpLimits;
import io.federa.agent.http.ResponseOutputStream;
import io.federa.common.http.GuardedServer;
import io.federa.common.http.ListenerLimits;
import io.federa.common.http.NetworkTransport;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's plain HTTP face: {@code GET /metrics} for Prometheus and {@code GET /health} for
 * load balancers and probes. Neither needs credentials; neither reveals more than the metrics do.
 * Under {@code /data/} it serves VMs' data to other agents, each request under a one-time token
 * (see {@link io.federa.agent.data.VmDataTransfers}), and at {@link #LEASE_PATH} the latest lease
 * statement, which peers ask for to decide fencing.
 *
 * <p>One Vert.x listener with the agent's {@link HttpLimits}. Health and the lease statement are
 * answered on the event loop (memory reads); the scrape and the transfers run on bounded worker
 * pools of their own, so neither a long transfer nor a slow scrape keeps the lease from answering.
 * No route takes a request body.
 */
public final class AgentHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentHttpServer.class);
    private static final String TEXT = "text/plain; charset=utf-8";

    /** Where peers ask for this host's latest lease statement. */
    public static final String LEASE_PATH = "/lease/v1/latest";

    private final String address;
    private final GuardedServer server;
    private final WorkerExecutor scrapes;
    private final WorkerExecutor transfers;
    private final Vertx owned;

    private AgentHttpServer(String address, GuardedServer server, WorkerExecutor scrapes, WorkerExecutor transfers,
                            Vertx owned) {
        this.address = address;
        this.server = server;
        this.scrapes = scrapes;
        this.transfers = transfers;
        this.owned = owned;
    }

    public static AgentHttpServer start(AgentConfig.Endpoint endpoint, PrometheusRegistry registry,
                                        Supplier<HostSnapshot> snapshot) {
        return start(endpoint, registry, snapshot, Optional.empty());
    }

    /** As above, serving {@code data} under {@code /data/} when given. */
    public static AgentHttpServer start(AgentConfig.Endpoint endpoint, PrometheusRegistry registry,
                                        Supplier<HostSnapshot> snapshot, Optional<DataExchange.Handler> data) {
        return start(endpoint, registry, snapshot, data, Optional::empty);
    }

    /** As below, on a Vert.x instance of its own that closes with the server (for tests and tools). */
    public static AgentHttpServer start(AgentConfig.Endpoint endpoint, PrometheusRegistry registry,
                                        Supplier<HostSnapshot> snapshot, Optional<DataExchange.Handler> data,
                                        Supplier<Optional<String>> leaseStatement) {
        Vertx vertx = Vertx.vertx(NetworkTransport.preferred(new VertxOptions()).setEventLoopPoolSize(1).setWorkerPoolSize(2));
        try {
            return start(vertx, vertx, endpoint, registry, snapshot, data, leaseStatement, HttpLimits.DEFAULT, Optional.empty());
        } catch (RuntimeException e) {
            vertx.close();
            throw e;
        }
    }

    /**
     * Serves {@code /metrics}, {@code /health}, {@code /data/} (when {@code data} is given) and
     * {@code GET /lease/v1/latest}: the latest lease statement this host was given, as the manager
     * signed it (204 No Content before any). It needs no credentials, since only a manager's
     * signature makes it count.
     */
    public static AgentHttpServer start(Vertx vertx, AgentConfig.Endpoint endpoint, PrometheusRegistry registry,
                                        Supplier<HostSnapshot> snapshot, Optional<DataExchange.Handler> data,
                                        Supplier<Optional<String>> leaseStatement, ListenerLimits limits) {
        return start(vertx, null, endpoint, registry, snapshot, data, leaseStatement, limits, Optional.empty());
    }

    /** As above, over TLS only when {@code tls} is given (every route: metrics, health, lease statements, data). */
    public static AgentHttpServer start(Vertx vertx, AgentConfig.Endpoint endpoint, PrometheusRegistry registry,
                                        Supplier<HostSnapshot> snapshot, Optional<DataExchange.Handler> data,
                                        Supplier<Optional<String>> leaseStatement, ListenerLimits limits,
                                        Optional<io.federa.agent.tls.AgentTls> tls) {
        return start(vertx, null, endpoint, registry, snapshot, data, leaseStatement, limits, tls);
    }

    private static AgentHttpServer start(Vertx vertx, Vertx owned, AgentConfig.Endpoint endpoint, PrometheusRegistry registry,
                                         Supplier<HostSnapshot> snapshot, Optional<DataExchange.Handler> data,
                                         Supplier<Optional<String>> leaseStatement, ListenerLimits limits,
                                         Optional<io.federa.agent.tls.AgentTls> tls) {
        PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
        WorkerExecutor scrapes = vertx.createSharedWorkerExecutor("agent-metrics", 1, 1, TimeUnit.MINUTES);
        WorkerExecutor transfers = vertx.createSharedWorkerExecutor("agent-data", HttpLimits.DATA_THREADS, 24, TimeUnit.HOURS);
        AtomicInteger scraping = new AtomicInteger();
        AtomicInteger transferring = new AtomicInteger();
        GuardedServer[] self = new GuardedServer[1];
        try {
            self[0] = GuardedServer.listen(vertx, "metrics", endpoint.address(), endpoint.port(), limits, tls, req -> {
                String path = req.path();
                boolean isData = data.isPresent() && path.startsWith("/data/");
                if (!isData) {
                    self[0].deadline(req);
                }
                if (declaresBody(req)) {
                    req.response().putHeader("Connection", "close");
                    text(req.response(), 413, "this port takes no request bodies").onComplete(v -> req.connection().close());
                    return;
                }
                if (isData) {
                    if (transferring.incrementAndGet() > HttpLimits.DATA_THREADS + HttpLimits.DATA_MAX_WAITING) {
                        transferring.decrementAndGet();
                        req.response().putHeader("Retry-After", "5");
                        text(req.response(), 503, "busy: " + HttpLimits.DATA_THREADS + " transfers run and "
                                + HttpLimits.DATA_MAX_WAITING + " wait");
                        return;
                    }
                    VertxExchange exchange = new VertxExchange(req);
                    transfers.executeBlocking(() -> {
                        data.get().serve(exchange);
                        return null;
                    }, false).onComplete(r -> {
                        transferring.decrementAndGet();
                        if (r.failed()) {
                            LOG.debug("serving " + path + " failed", r.cause());
                            if (!req.response().headWritten()) {
                                text(req.response(), 500, "internal error");
                            } else {
                                req.connection().close();
                            }
                        } else if (!req.response().ended()) {
                            req.connection().close();
                        }
                    });
                    return;
                }
                switch (path) {
                    case "/metrics" -> {
                        if (!get(req)) {
                            return;
                        }
                        if (scraping.incrementAndGet() > 8) {
                            scraping.decrementAndGet();
                            text(req.response(), 503, "busy: scrapes are already waiting");
                            return;
                        }
                        scrapes.executeBlocking(() -> {
                            ByteArrayOutputStream body = new ByteArrayOutputStream(64 * 1024);
                            writer.write(body, registry.scrape());
                            return body.toByteArray();
                        }, true).onComplete(r -> {
                            scraping.decrementAndGet();
                            if (r.succeeded()) {
                                send(req.response(), 200, writer.getContentType(), r.result());
                            } else {
                                LOG.warn("a scrape failed", r.cause());
                                text(req.response(), 500, "the scrape failed");
                            }
                        });
                    }
                    case "/health" -> {
                        if (!get(req)) {
                            return;
                        }
                        HostSnapshot s = snapshot.get();
                        boolean ok = s != null;
                        text(req.response(), ok ? 200 : 503,
                                ok ? "ok host=" + s.identity().hostId() + " sample=" + s.sequence() : "starting");
                    }
                    case LEASE_PATH -> {
                        if (!get(req)) {
                            return;
                        }
                        Optional<String> latest = leaseStatement.get();
                        if (latest.isEmpty()) {
                            req.response().setStatusCode(204).end();
                        } else {
                            send(req.response(), 200, "application/json", latest.get().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                        }
                    }
                    default -> text(req.response(), 404, "no such resource");
                }
            });
        } catch (RuntimeException e) {
            scrapes.close();
            transfers.close();
            throw e;
        }
        return new AgentHttpServer(endpoint.address(), self[0], scrapes, transfers, owned);
    }

    private static boolean declaresBody(HttpServerRequest req) {
        String length = req.getHeader("Content-Length");
        return (length != null && !"0".equals(length.trim())) || req.getHeader("Transfer-Encoding") != null;
    }

    private static boolean get(HttpServerRequest req) {
        if (req.method() == HttpMethod.GET) {
            return true;
        }
        req.response().putHeader("Allow", "GET");
        text(req.response(), 405, "method " + req.method().name() + " not allowed; use GET");
        return false;
    }

    private static Future<Void> text(HttpServerResponse resp, int status, String message) {
        return send(resp, status, TEXT, (message + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static Future<Void> send(HttpServerResponse resp, int status, String type, byte[] body) {
        if (resp.ended() || resp.closed()) {
            return Future.succeededFuture();
        }
        return resp.setStatusCode(status).putHeader("Content-Type", type).end(io.vertx.core.buffer.Buffer.buffer(body));
    }

    /** A data request over Vert.x, answered from a worker thread. */
    private static final class VertxExchange implements DataExchange {
        private final HttpServerRequest req;

        VertxExchange(HttpServerRequest req) {
            this.req = req;
        }

        @Override
        public String method() {
            return req.method().name();
        }

        @Override
        public String path() {
            return req.path();
        }

        @Override
        public String header(String name) {
            return req.getHeader(name);
        }

        @Override
        public void answerHeader(String name, String value) {
            req.response().putHeader(name, value);
        }

        @Override
        public void text(int status, String message) throws IOException {
            try {
                AgentHttpServer.text(req.response(), status, message).toCompletionStage().toCompletableFuture()
                        .get(HttpLimits.DATA_STALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            } catch (Exception e) {
                throw new IOException("answering failed: " + e.getMessage(), e);
            }
        }

        @Override
        public OutputStream stream(String contentType, long length) {
            HttpServerResponse resp = req.response();
            resp.setStatusCode(200).putHeader("Content-Type", contentType).putHeader("Content-Length", Long.toString(length));
            return new ResponseOutputStream(resp, HttpLimits.DATA_STALL_TIMEOUT);
        }
    }

    public InetSocketAddress address() {
        return server.address(address);
    }

    public String baseUrl() {
        return server.scheme() + "://" + (address.contains(":") ? "[" + address + "]" : address) + ":" + server.port();
    }

    /** The listener, for its counters. */
    public GuardedServer server() {
        return server;
    }

    @Override
    public void close() {
        server.close();
        scrapes.close();
        transfers.close();
        if (owned != null) {
            owned.close();
        }
    }
}
