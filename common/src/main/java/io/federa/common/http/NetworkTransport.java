package io.federa.common.http;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

/**
 * The network transport the agent's and the manager's event loops run on: Netty's epoll where its
 * native library loads (Linux on x86-64), NIO otherwise, with the reason. Measured at 1,000 agents
 * polled each second, epoll took 10–20 % less of the manager's event loops and a third of its
 * system time
 * (docs/benchmarks.md, docs/design-notes.md).
 */
public final class NetworkTransport {
    private NetworkTransport() {
    }

    /** {@code options}, asking for the native transport where there is one. */
    public static VertxOptions preferred(VertxOptions options) {
        return options.setPreferNativeTransport(true);
    }

    /** What {@code vertx} runs on, for its start-up line: {@code epoll}, or {@code nio} and why not epoll. */
    public static String describe(Vertx vertx) {
        if (vertx.isNativeTransportEnabled()) {
            return "epoll";
        }
        Throwable why = vertx.unavailableNativeTransportCause();
        return why == null ? "nio" : "nio (epoll unavailable: " + why.getMessage() + ")";
    }
}
