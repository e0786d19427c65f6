package io.federa.common.http;

import io.vertx.core.http.HttpServerOptions;

/** How a listener speaks TLS: the agent's and the manager's own configuration make it so. */
@FunctionalInterface
public interface ServerTls {
    /** Makes {@code options} serve TLS only (a plain HTTP request is closed unanswered). */
    HttpServerOptions serve(HttpServerOptions options);
}
