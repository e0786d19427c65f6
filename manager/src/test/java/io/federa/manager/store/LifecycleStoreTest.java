package io.federa.manager.store;

import io.federa.manager.core.lifecycle.DesiredState;
import io.federa.manager.core.lifecycle.ManagedInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** What the lifecycle remembers across a restart, on the embedded file and on a real PostgreSQL. */
class LifecycleStoreTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void desired_states_instances_cordons_and_scaling_targets_survive_a_restart(String database) throws Exception {
        String url = database.equals("h2") ? Jdbc.fileUrl(dir.resolve("federa")) : PostgresServer.get().newDatabase();
        try (LifecycleStore s = LifecycleStore.open(url, "federa", "")) {
            s.setDesired("shop", DesiredState.STARTED, "ops", 1_000);
            s.setDesired("shop", DesiredState.STOPPED, "ops", 2_000);
            s.putInstance(new ManagedInstance("payment-1", "payment", "shop", "host-2", 1));
            s.putInstance(new ManagedInstance("payment-1", "payment", "shop", "host-1", 2));
            s.putInstance(new ManagedInstance("web-3", "web", "shop", "host-3", 1));
            s.removeInstance("web-3");
            assertThat(s.cordon("host-4", true, "ops", 3_000)).isTrue();
            assertThat(s.cordon("host-4", true, "ops", 3_000)).as("already cordoned").isFalse();
            assertThat(s.cordon("host-5", false, "ops", 3_000)).as("never cordoned").isFalse();
            s.setScalingTarget("web", 3, 4_000);
            s.setScalingTarget("web", 4, 5_000);
        }
        try (LifecycleStore s = LifecycleStore.open(url, "federa", "")) {
            assertThat(s.desired()).containsExactly(java.util.Map.entry("shop", DesiredState.STOPPED));
            assertThat(s.instances()).containsOnlyKeys("payment-1");
            assertThat(s.instances().get("payment-1")).isEqualTo(new ManagedInstance("payment-1", "payment", "shop", "host-1", 2));
            assertThat(s.cordoned()).containsExactly("host-4");
            assertThat(s.scalingTargets()).containsOnlyKeys("web");
            assertThat(s.scalingTargets().get("web")).containsExactly(4, 5_000);
        }
    }
}
