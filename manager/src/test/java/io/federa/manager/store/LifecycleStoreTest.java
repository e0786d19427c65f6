package io.federa.manager.store;

import io.federa.manager.core.lifecycle.DesiredState;
import io.federa.manager.core.lifecycle.ManagedInstance;
import io.federa.manager.core.migration.Migration;
import io.federa.manager.core.migration.MigrationMachine;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Optional;

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

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void the_migration_journal_keeps_every_field_and_switches_the_instance_in_the_same_write(String database) throws Exception {
        String url = database.equals("h2") ? Jdbc.fileUrl(dir.resolve("federa")) : PostgresServer.get().newDatabase();
        Migration m1 = Migration.requested("m-1", "web-1", "2f1c0d9e-0000-4000-8000-000000000001", "web", "shop", "host-1", 3,
                true, Optional.of("host-2"), Optional.of("host-1"), "ops", 1_000);
        Migration m2 = MigrationMachine.progress(MigrationMachine.stopped(MigrationMachine.begin(
                Migration.requested("m-2", "db-1", "2f1c0d9e-0000-4000-8000-000000000002", "db", "shop", "host-1", 1,
                        true, Optional.empty(), Optional.empty(), "ops", 2_000), "host-3", 2_100), 2_200), 10, 50, 4.5, 2_300);
        Migration done = MigrationMachine.cleaned(MigrationMachine.settled(MigrationMachine.started(MigrationMachine.defined(
                MigrationMachine.copied(m2, "beef", 50, 2_400), 2_500), 2_600), 2_700), 2_800);
        try (LifecycleStore s = LifecycleStore.open(url, "federa", "")) {
            s.putMigration(m1, Optional.empty());
            s.putMigration(m2, Optional.empty());
            assertThat(s.migrations(10)).containsExactly(m1, m2);
            s.putMigration(done, Optional.of(new ManagedInstance("db-1", "db", "shop", "host-3", 2)));
        }
        try (LifecycleStore s = LifecycleStore.open(url, "federa", "")) {
            assertThat(s.migrations(10)).as("finished first, then the open ones").containsExactly(done, m1);
            assertThat(s.migrations(0)).containsExactly(m1);
            assertThat(s.lastMigrationNumber()).isEqualTo(2);
            assertThat(s.instances().get("db-1")).isEqualTo(new ManagedInstance("db-1", "db", "shop", "host-3", 2));
        }
    }
}
