package io.federa.manager.store;

import io.federa.manager.core.migration.Migration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A journaled step survives the manager being killed right after the write returned: another
 * JVM journals a migration on the embedded file, then halts at once (no shutdown hook, no close,
 * as SIGKILL leaves it); the store opened again holds the migration.
 */
class JournalDurabilityTest {
    /** The child: journals one migration and halts. */
    public static void main(String[] args) throws Exception {
        LifecycleStore s = LifecycleStore.openFile(Path.of(args[0]));
        for (int i = 1; i <= 20; i++) {
            s.putMigration(Migration.requested("m-" + i, "web-" + i, "2f1c0d9e-0000-4000-8000-00000000000" + (i % 10), "web",
                    "shop", "host-1", 1, true, Optional.empty(), Optional.empty(), "ops", i), Optional.empty());
        }
        System.out.println("journaled");
        System.out.flush();
        Runtime.getRuntime().halt(137);
    }

    @Test
    void a_step_journaled_just_before_a_kill_is_there_after_it(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("federa");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), JournalDurabilityTest.class.getName(), file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isEqualTo(137);
        assertThat(out).contains("journaled");
        try (LifecycleStore s = LifecycleStore.openFile(file)) {
            assertThat(s.migrations(0)).hasSize(20);
            assertThat(s.lastMigrationNumber()).isEqualTo(20);
        }
    }
}
