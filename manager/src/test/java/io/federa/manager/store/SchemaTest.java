package io.federa.manager.store;

import io.federa.manager.core.audit.AuditEntry;
import io.federa.manager.core.lease.Standing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The store's schema under Flyway, on the embedded file and on a real PostgreSQL: a database made
 * by the runner before Flyway is adopted at the version it had reached; managers that start
 * together on one PostgreSQL apply each migration once; a migration edited after it was applied
 * is refused, naming its file.
 */
class SchemaTest {
    @TempDir
    Path dir;

    private String url(String database) throws Exception {
        return database.equals("h2") ? Jdbc.fileUrl(dir.resolve("federa")) : PostgresServer.get().newDatabase();
    }

    /** Flyway's history, oldest first: "version TYPE" for the baseline and each migration it applied. */
    private static List<String> history(String url) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url, "federa", ""); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT \"version\", \"type\", \"success\" FROM \"flyway_schema_history\" "
                     + "WHERE \"type\" IN ('SQL', 'BASELINE') ORDER BY \"installed_rank\"")) {
            while (r.next()) {
                out.add(r.getString(1) + " " + r.getString(2) + (r.getBoolean(3) ? "" : " FAILED"));
            }
        }
        return out;
    }

    private static int count(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "federa", ""); Statement s = c.createStatement();
             ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getInt(1);
        }
    }

    /** The highest migration the manager has, from its migrations folder (V1__… to VN__…). */
    static int latestMigration() {
        try (var files = java.nio.file.Files.list(java.nio.file.Path.of(SchemaTest.class
                .getResource("/io/federa/manager/store/migrations").toURI()))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.matches("V\\d+__.*\\.sql"))
                    .mapToInt(n -> Integer.parseInt(n.substring(1, n.indexOf("__")))).max().orElseThrow();
        } catch (java.io.IOException | java.net.URISyntaxException e) {
            throw new IllegalStateException("cannot list the migrations", e);
        }
    }

    private static List<String> applied(int from) {
        return applied(from, latestMigration());
    }

    private static List<String> applied(int from, int to) {
        List<String> out = new ArrayList<>();
        for (int v = from; v <= to; v++) {
            out.add(v + " SQL");
        }
        return out;
    }

    @ParameterizedTest(name = "{0}, the old runner at version {1}")
    @CsvSource({"h2, 0", "h2, 5", "h2, 7", "postgresql, 0", "postgresql, 5", "postgresql, 7"})
    void a_database_of_the_runner_before_flyway_is_adopted_at_the_version_it_reached(String database, int reached)
            throws Exception {
        String url = url(database);
        LegacySchemaRunner.apply(url, "federa", "", reached);
        if (reached >= 1) {
            try (Connection c = DriverManager.getConnection(url, "federa", ""); Statement s = c.createStatement()) {
                s.execute("INSERT INTO definition_version (version, applied_at, applied_by, change, document) "
                        + "VALUES (1, CURRENT_TIMESTAMP, 'alice', 'before Flyway', 'applications: []')");
            }
        }
        try (DefinitionStore definitions = DefinitionStore.open(url, "federa", "");
             LeadershipStore leadership = LeadershipStore.open(url, "federa", "");
             HistoryStore history = HistoryStore.open(url, "federa", "")) {
            if (reached >= 1) {
                assertThat(definitions.versions()).extracting(DefinitionStore.Version::change).containsExactly("before Flyway");
            }
            // V6 (the leader's row) and V7 (the audit log) are there, whichever ran them.
            assertThat(leadership.lead("m1", "http://a", 0, 1_000, 3_000, 500)).isEqualTo(
                    new Standing(true, 1, "m1", "http://a", 4_000));
            history.writeAudit(List.of(new AuditEntry(1_000, "ops", "api", "POST /api/v1/definitions", "shop", "200")));
            assertThat(history.audit(0, 10)).hasSize(1);
        }
        List<String> expected = new ArrayList<>();
        expected.add(reached + " BASELINE");
        expected.addAll(applied(reached + 1));
        assertThat(history(url)).as("baselined once at %d, then each later migration once", reached).isEqualTo(expected);
        assertThat(count(url, "SELECT COUNT(*) FROM leader_term")).isEqualTo(1);
        assertThat(count(url, "SELECT COUNT(*) FROM schema_version")).as("the old record, kept as it was").isEqualTo(reached);

        // Opened again: nothing to adopt, nothing to apply.
        DefinitionStore.open(url, "federa", "").close();
        assertThat(history(url)).isEqualTo(expected);
    }

    @Test
    void a_new_database_gets_every_migration_under_flyway_and_no_schema_version() throws Exception {
        String url = url("h2");
        DefinitionStore.open(url, "federa", "").close();
        assertThat(history(url)).isEqualTo(applied(1));
        try (Connection c = DriverManager.getConnection(url, "federa", "")) {
            assertThat(Schema.hasTable(c, Schema.LEGACY_TABLE)).isFalse();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"fresh", "the old runner at version 5"})
    void managers_starting_together_on_one_postgresql_apply_each_migration_once(String start) throws Exception {
        String url = url("postgresql");
        boolean legacy = !start.equals("fresh");
        if (legacy) {
            LegacySchemaRunner.apply(url, "federa", "", 5);
        }
        int managers = 3;
        CyclicBarrier together = new CyclicBarrier(managers);
        ExecutorService pool = Executors.newFixedThreadPool(managers);
        try {
            List<Future<String>> started = new ArrayList<>();
            for (int i = 1; i <= managers; i++) {
                String name = "manager-" + i;
                started.add(pool.submit(() -> {
                    together.await();
                    try (Database db = Database.open(url, "federa", "", 1, name)) {
                        return db.toString();
                    }
                }));
            }
            for (Future<String> f : started) {
                assertThat(f.get(5, TimeUnit.MINUTES)).contains(url);
            }
        } finally {
            pool.shutdownNow();
        }
        List<String> expected = new ArrayList<>();
        if (legacy) {
            expected.add("5 BASELINE");
        }
        expected.addAll(applied(legacy ? 6 : 1));
        assertThat(history(url)).isEqualTo(expected);
        assertThat(count(url, "SELECT COUNT(*) FROM leader_term")).as("V6's one row, inserted once").isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"h2", "postgresql"})
    void a_migration_edited_after_it_was_applied_is_refused_naming_its_file(String database) throws Exception {
        String url = url(database);
        Path migrations = Files.createDirectories(dir.resolve("migrations"));
        for (String name : LegacySchemaRunner.ALL) {
            try (InputStream in = Schema.class.getResourceAsStream("migrations/" + name)) {
                Files.write(migrations.resolve(name), in.readAllBytes());
            }
        }
        String location = "filesystem:" + migrations;
        Schema.migrate(url, "federa", "", location);
        Path v3 = migrations.resolve("V3__lifecycle.sql");
        Files.writeString(v3, Files.readString(v3) + "CREATE INDEX host_cordon_by ON host_cordon (cordoned_by);\n",
                StandardCharsets.UTF_8);

        assertThatThrownBy(() -> Schema.migrate(url, "federa", "", location))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("migration V3__lifecycle.sql was changed after it was applied to this database");
        assertThat(history(url)).as("nothing ran").isEqualTo(applied(1, LegacySchemaRunner.ALL.size()));
    }
}
