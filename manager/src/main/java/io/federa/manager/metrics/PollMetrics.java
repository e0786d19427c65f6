package io.federa.manager.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * How polling goes: each poll's duration by transport, and failed polls by agent and by kind of
 * reason. Reasons are folded into a few stable kinds so the series stay few; the full reason is
 * in the API and the events.
 */
public final class PollMetrics {
    private final Histogram duration;
    private final Counter failures;

    /** The kinds a failure reason folds into ({@link #kind}), in the order it tries them. */
    static final List<String> KINDS = List.of("identity", "tls", "capacity", "timeout", "refused", "closed", "unauthorized",
            "http", "bad_payload", "snmp", "other");

    /**
     * Every agent's failures of every kind exist from the start, at 0, so that a rate or an
     * increase over them is 0 rather than absent before the first failure (and an alert on a
     * first failure fires on it).
     */
    public PollMetrics(PrometheusRegistry registry, Collection<String> agents) {
        duration = Histogram.builder().name("federa_poll_duration_seconds")
                .help("How long one poll of one agent took, answer parsed, failed polls included.")
                .labelNames("transport")
                .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
                .register(registry);
        failures = Counter.builder().name("federa_poll_failures_total")
                .help("Polls that failed, by agent and kind of reason (timeout, refused, closed, unauthorized, http, bad_payload, snmp, tls, identity, capacity, other).")
                .labelNames("agent", "reason")
                // Eleven series an agent: without exemplars (no trace to point at), each keeps some 90 bytes less.
                .withoutExemplars()
                .register(registry);
        for (String agent : agents) {
            KINDS.forEach(k -> failures.labelValues(agent, k));
        }
    }

    public void observe(String agent, String transport, long durationNanos, String failure) {
        duration.labelValues(transport).observe(durationNanos / 1e9);
        if (failure != null) {
            failures.labelValues(agent, kind(failure)).inc();
        }
    }

    /** The kind of a failure reason, for a label. */
    static String kind(String reason) {
        String r = reason.toLowerCase(Locale.ROOT);
        if (r.startsWith("identity:")) {
            return "identity";
        }
        if (r.startsWith("tls:")) {
            return "tls";
        }
        if (r.startsWith("capacity:")) {
            return "capacity";
        }
        if (r.startsWith("timeout")) {
            return "timeout";
        }
        if (r.contains("refused")) {
            return "refused";
        }
        if (r.contains("closed")) {
            return "closed";
        }
        if (r.startsWith("http 401") || r.startsWith("http 403")) {
            return "unauthorized";
        }
        if (r.startsWith("http ")) {
            return "http";
        }
        if (r.startsWith("bad payload")) {
            return "bad_payload";
        }
        if (r.startsWith("snmp")) {
            return "snmp";
        }
        return "other";
    }
}
