package io.federa.common.metrics;

import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;

/**
 * The process's own series, under the names every JVM exporter uses ({@code jvm_*}, {@code process_*}):
 * heap and GC pauses above all, since a pause longer than the 5 s lease looks like a dead agent or
 * manager to its peers (docs/noc.md, "GC pauses"). The agent adds its {@code host} label to them,
 * as to all its series.
 */
public final class RuntimeMetrics {
    private RuntimeMetrics() {
    }

    public static void register(PrometheusRegistry registry, Labels constLabels) {
        JvmMetrics.builder().constLabels(constLabels).register(registry);
    }
}
