package io.federa.agent.snmp;

import io.federa.agent.config.AgentConfig;
import io.federa.agent.core.CostRates;
import io.federa.agent.core.HostIdentity;
import io.federa.agent.core.HostObservation;
import io.federa.agent.core.HostSnapshot;
import io.federa.agent.core.SnapshotBuilder;
import io.federa.common.snmp.SnmpUser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** When the agent builds the view a station reads: as a sample arrives while stations read, else on request. */
class SnmpEndpointViewsTest {
    private static final HostIdentity IDENTITY = new HostIdentity("host-1", "paris", true, 3, List.of("kvm"),
            new CostRates("EUR", 0.000014, 0.00014, 0.02, 0.0000001), 0, 10_000_000_000L, "test", 0);

    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
    private final AtomicReference<HostSnapshot> latest = new AtomicReference<>(sample(null));

    private static HostSnapshot sample(HostSnapshot previous) {
        return SnapshotBuilder.build(IDENTITY, "test:///x", new HostObservation("TEST", "0.0.2", "9.0.0", "node",
                "x86_64", 16, 2400, 64L << 30, -1, -1, List.of(), 1_000, 0, 1_000_000), previous, 0, Map.of());
    }

    /** What the sampler does: publish the next snapshot, then tell its listeners. */
    private void nextSample(SnmpEndpoint snmp) {
        latest.set(sample(latest.get()));
        snmp.accept(latest.get());
    }

    private SnmpEndpoint endpoint() throws Exception {
        AgentConfig.Snmp config = new AgentConfig.Snmp("127.0.0.1", 0,
                List.of(new SnmpUser("noc", "SHA-256", "noc-auth-pass", "AES-128", "noc-priv-pass")), Optional.empty(),
                List.of(), "");
        return SnmpEndpoint.start(config, dir, latest::get, now::get);
    }

    @Test
    void an_agent_no_station_reads_builds_no_view() throws Exception {
        try (SnmpEndpoint snmp = endpoint()) {
            for (int i = 0; i < 5; i++) {
                nextSample(snmp);
            }
            assertThat(snmp.viewsBuilt()).isZero();
            assertThat(snmp.currentView().sequence()).isEqualTo(latest.get().sequence());
            assertThat(snmp.viewsBuilt()).isEqualTo(1);
        }
    }

    @Test
    void while_a_station_reads_each_sample_has_its_view_built_as_it_arrives_and_not_after_a_minute_of_silence()
            throws Exception {
        try (SnmpEndpoint snmp = endpoint()) {
            snmp.currentView();
            assertThat(snmp.viewsBuilt()).isEqualTo(1);
            now.addAndGet(5_000_000_000L);
            nextSample(snmp);
            assertThat(snmp.viewsBuilt()).as("built with the sample").isEqualTo(2);
            // The next request finds it ready, for the latest snapshot.
            assertThat(snmp.currentView().sequence()).isEqualTo(latest.get().sequence());
            assertThat(snmp.viewsBuilt()).isEqualTo(2);

            now.addAndGet(SnmpEndpoint.WARM_NANOS);
            nextSample(snmp);
            assertThat(snmp.viewsBuilt()).as("nobody asked for a minute").isEqualTo(2);
            assertThat(snmp.currentView().sequence()).isEqualTo(latest.get().sequence());
            assertThat(snmp.viewsBuilt()).isEqualTo(3);
        }
    }
}
