package io.federa.manager.http;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;

/**
 * The manager's HTTP face. So far it answers {@code GET /health} only; the REST API, metrics
 * and webhook routes join it as the manager grows.
 */
public final class HealthVerticle extends VerticleBase {
    private final String host;
    private final int port;
    private HttpServer server;

    public HealthVerticle(String host, int port) {
        this.host = host;
        this.port = port;
    }

    @Override
    public Future<?> start() {
        Router router = Router.router(vertx);
        router.get("/health").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "application/json")
                .end("{\"status\":\"UP\"}"));
        return vertx.createHttpServer().requestHandler(router).listen(port, host).onSuccess(s -> server = s);
    }

    public int actualPort() {
        return server.actualPort();
    }
}
