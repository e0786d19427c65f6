package io.federa.manager.snmp;

import io.federa.common.snmp.SnmpAgentEngine;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * What happens to the SNMP notifications, by station ({@code target="address:port"}): sent (a
 * trap sent, an inform acknowledged), failed (a trap that could not be sent, an inform attempt
 * that ended unacknowledged and stays queued), dropped (an inform pushed out of a full queue),
 * and the informs pending. Every configured station's series exist from the start, at 0.
 */
final class NotificationMetrics {
    private final Counter sent;
    private final Counter failed;
    private final Counter dropped;
    private final Map<String, IntSupplier> pending = new ConcurrentHashMap<>();

    NotificationMetrics(PrometheusRegistry registry, Collection<SnmpAgentEngine.NotifyTarget> targets) {
        sent = Counter.builder().name("federa_snmp_notifications_sent_total")
                .help("SNMP notifications sent to a station: traps sent, informs acknowledged.")
                .labelNames("target").register(registry);
        failed = Counter.builder().name("federa_snmp_notifications_failed_total")
                .help("SNMP notifications that failed: traps that could not be sent, inform attempts (timeout and retries) "
                        + "left unacknowledged; such an inform stays queued and is sent again.")
                .labelNames("target").register(registry);
        dropped = Counter.builder().name("federa_snmp_notifications_dropped_total")
                .help("Unacknowledged SNMP informs dropped, the oldest first, because the station's queue was full.")
                .labelNames("target").register(registry);
        GaugeWithCallback.builder().name("federa_snmp_notifications_pending")
                .help("SNMP informs waiting for a station's acknowledgement, the one being sent included.")
                .labelNames("target")
                .callback(cb -> pending.forEach((target, size) -> cb.call(size.getAsInt(), target)))
                .register(registry);
        for (SnmpAgentEngine.NotifyTarget t : targets) {
            sent.labelValues(t.name());
            failed.labelValues(t.name());
            dropped.labelValues(t.name());
            if (t.inform()) {
                pending.put(t.name(), () -> 0);
            }
        }
    }

    void pending(String target, IntSupplier size) {
        pending.put(target, size);
    }

    void sent(String target) {
        sent.labelValues(target).inc();
    }

    void failed(String target) {
        failed.labelValues(target).inc();
    }

    void dropped(String target) {
        dropped.labelValues(target).inc();
    }

    /** The outcomes of one station's informs. */
    InformQueue.Outcomes of(String target) {
        return new InformQueue.Outcomes() {
            @Override
            public void acknowledged() {
                sent(target);
            }

            @Override
            public void unacknowledged() {
                failed(target);
            }

            @Override
            public void dropped() {
                NotificationMetrics.this.dropped(target);
            }
        };
    }
}
