package io.federa.agent.metrics;

import io.federa.agent.http.GuardedServer;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.List;
import java.util.function.Supplier;

/** What the agent's HTTP listeners hold and refuse: connections open, refused over a limit, closed for being slow. */
public final class ListenerMetrics {
    private ListenerMetrics() {
    }

    public static void register(PrometheusRegistry registry, Supplier<List<GuardedServer>> listeners) {
        GaugeWithCallback.builder()
                .name("mr_agent_http_connections")
                .help("Connections open on the agent's HTTP listeners")
                .labelNames("listener")
                .callback(cb -> listeners.get().forEach(l -> cb.call(l.openConnections(), l.name())))
                .register(registry);
        CounterWithCallback.builder()
                .name("mr_agent_http_connections_refused")
                .help("Connections refused because their client address, or the listener, had as many open as allowed")
                .labelNames("listener")
                .callback(cb -> listeners.get().forEach(l -> cb.call(l.refused(), l.name())))
                .register(registry);
        CounterWithCallback.builder()
                .name("mr_agent_http_connections_timed_out")
                .help("Connections closed because a request head, body or answer took longer than allowed")
                .labelNames("listener")
                .callback(cb -> listeners.get().forEach(l -> cb.call(l.timedOut(), l.name())))
                .register(registry);
    }
}
