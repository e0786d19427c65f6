package io.federa.common.http;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;

import java.util.List;
import java.util.function.Supplier;

/**
 * What a process's HTTP listeners hold and refuse: connections open, refused over a limit, closed
 * for being slow. The agent's are {@code mr_agent_http_*}, the manager's {@code federa_http_*}.
 */
public final class ListenerMetrics {
    private ListenerMetrics() {
    }

    public static void register(PrometheusRegistry registry, String prefix, Supplier<List<GuardedServer>> listeners) {
        register(registry, prefix, Labels.EMPTY, listeners);
    }

    /** With labels every series carries: the agent's {@code host}. */
    public static void register(PrometheusRegistry registry, String prefix, Labels constLabels,
                                Supplier<List<GuardedServer>> listeners) {
        GaugeWithCallback.builder()
                .name(prefix + "_http_connections")
                .help("Connections open on the HTTP listeners")
                .constLabels(constLabels)
                .labelNames("listener")
                .callback(cb -> listeners.get().forEach(l -> cb.call(l.openConnections(), l.name())))
                .register(registry);
        CounterWithCallback.builder()
                .name(prefix + "_http_connections_refused")
                .help("Connections refused because their client address, or the listener, had as many open as allowed")
                .constLabels(constLabels)
                .labelNames("listener")
                .callback(cb -> listeners.get().forEach(l -> cb.call(l.refused(), l.name())))
                .register(registry);
        CounterWithCallback.builder()
                .name(prefix + "_http_connections_timed_out")
                .help("Connections closed because a request head, body or answer took longer than allowed")
                .constLabels(constLabels)
                .labelNames("listener")
                .callback(cb -> listeners.get().forEach(l -> cb.call(l.timedOut(), l.name())))
                .register(registry);
    }
}
