package io.federa.agent.metrics;

import io.federa.agent.data.VmDataTransfers;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

/** Transfers of VMs' data between agents: bytes moved and transfers running, by direction. */
public final class TransferMetrics implements MultiCollector {
    private final String host;
    private final VmDataTransfers data;

    public TransferMetrics(String host, VmDataTransfers data) {
        this.host = host;
        this.data = data;
    }

    @Override
    public MetricSnapshots collect() {
        Labels in = Labels.of("host", host, "direction", "in");
        Labels out = Labels.of("host", host, "direction", "out");
        CounterSnapshot bytes = CounterSnapshot.builder().name("mr_agent_transfer_bytes")
                .help("Bytes of VM data streams received (in) or sent (out) by this agent.")
                .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(in).value(data.bytes(true)).build())
                .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(out).value(data.bytes(false)).build())
                .build();
        GaugeSnapshot running = GaugeSnapshot.builder().name("mr_agent_transfers_active")
                .help("Transfers of VM data in progress, by direction.")
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(in).value(data.active(true)).build())
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(out).value(data.active(false)).build())
                .build();
        return new MetricSnapshots(bytes, running);
    }
}
