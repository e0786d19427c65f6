package io.federa.agent.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.federa.agent.config.AgentConfig;
import io.federa.agent.core.HostSnapshot;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The agent's plain HTTP face: {@code GET /metrics} for Prometheus and {@code GET /health} for
 * load balancers and probes. Neither needs credentials; neither reveals more than the metrics do.
 * Under {@code /data/} it serves VMs' data to other agents, each request under a one-time token
 * (see {@link io.federa.agent.data.VmDataTransfers}).
 */
public final class AgentHttpServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;

    private AgentHttpServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Where peers ask for this host's latest lease statement. */
    public static final String LEASE_PATH = "/lease/v1/latest";

    /** Threads serving requests: a transfer holds one for its whole length, /metrics must still answer. */
    static final int THREADS = 8;

    public static AgentHttpServer start(AgentConfig.Endpoint endpoint, PrometheusRegistry registry,
                                        Supplier<HostSnapshot> snapshot) throws IOException {
        return start(endpoint, registry, snapshot, Optional.empty());
    }

    /** As above, serving {@code data} under {@code /data/} when given. */
    public static AgentHttpServer start(AgentConfig.Endpoint endpoint, PrometheusRegistry registry,
                                        Supplier<HostSnapshot> snapshot, Optional<HttpHandler> data) throws IOException {
        return start(endpoint, registry, snapshot, data, Optional::empty);
    }

    /**
     * As above, and {@code GET /lease/v1/latest}: the latest lease statement this host was given,
     * as the manager signed it (204 No Content before any). Peers ask for it when the managers stop renewing
     * their own lease; it needs no credentials, since only a manager's signature makes it count.
     */
    public static AgentHttpServer start(AgentConfig.Endpoint endpoint, PrometheusRegistry registry,
                                        Supplier<HostSnapshot> snapshot, Optional<HttpHandler> data,
                                        Supplier<Optional<String>> leaseStatement) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(endpoint.address(), endpoint.port()), 16);
        PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
        server.createContext("/metrics", exchange -> {
            if (!method(exchange, "GET")) {
                return;
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream(64 * 1024);
            writer.write(body, registry.scrape());
            send(exchange, 200, writer.getContentType(), body.toByteArray());
        });
        server.createContext("/health", exchange -> {
            if (!method(exchange, "GET")) {
                return;
            }
            HostSnapshot s = snapshot.get();
            boolean ok = s != null;
            String text = ok ? "ok host=" + s.identity().hostId() + " sample=" + s.sequence() + "\n" : "starting\n";
            send(exchange, ok ? 200 : 503, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
        });
        data.ifPresent(h -> server.createContext("/data/", h));
        server.createContext(LEASE_PATH, exchange -> {
            if (!method(exchange, "GET")) {
                return;
            }
            if (!exchange.getRequestURI().getPath().equals(LEASE_PATH)) {
                send(exchange, 404, "text/plain; charset=utf-8", "no such resource\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            Optional<String> latest = leaseStatement.get();
            if (latest.isEmpty()) {
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            } else {
                send(exchange, 200, "application/json", latest.get().getBytes(StandardCharsets.UTF_8));
            }
        });
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "agent-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.start();
        return new AgentHttpServer(server, executor);
    }

    private static boolean method(HttpExchange exchange, String allowed) throws IOException {
        if (allowed.equals(exchange.getRequestMethod())) {
            return true;
        }
        exchange.getResponseHeaders().add("Allow", allowed);
        send(exchange, 405, "text/plain; charset=utf-8",
                ("method " + exchange.getRequestMethod() + " not allowed; use " + allowed + "\n").getBytes(StandardCharsets.UTF_8));
        return false;
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    public String baseUrl() {
        InetSocketAddress a = server.getAddress();
        String host = a.getAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
