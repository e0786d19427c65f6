package io.federa.manager.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The embedded database file, for real: written, closed, opened again. */
class DefinitionStoreTest {
    private static String shop() throws Exception {
        Path root = Path.of(System.getProperty("federa.root", "..")).toAbsolutePath().normalize();
        return Files.readString(root.resolve("examples/shop.yaml"));
    }

    @Test
    void an_accepted_document_survives_a_restart_and_earlier_versions_are_kept(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("federa");
        String v1 = shop();
        String v2 = v1.replace("replicas: 2\n    minAvailable: 1\n    dependsOn: [catalog-db, payment]",
                "replicas: 3\n    minAvailable: 1\n    dependsOn: [catalog-db, payment]");
        assertThat(v2).isNotEqualTo(v1);
        try (DefinitionStore s = DefinitionStore.openFile(db)) {
            assertThat(s.apply(v1, "alice", "first", Instant.parse("2026-11-28T10:00:00Z")).version()).get()
                    .satisfies(v -> assertThat(v.version()).isEqualTo(1));
            assertThat(s.apply(v2, "bob", "three web replicas", Instant.parse("2026-11-28T11:00:00Z")).version()).get()
                    .satisfies(v -> assertThat(v.version()).isEqualTo(2));
        }
        try (DefinitionStore s = DefinitionStore.openFile(db)) {
            assertThat(s.current()).contains(v2);
            assertThat(s.document(1)).contains(v1);
            assertThat(s.versions()).extracting(DefinitionStore.Version::appliedBy).containsExactly("alice", "bob");
            assertThat(s.versions().get(1).change()).isEqualTo("three web replicas");
            assertThat(s.versions().get(0).appliedAt()).isEqualTo(Instant.parse("2026-11-28T10:00:00Z"));
        }
    }

    @Test
    void a_refused_document_stores_nothing(@TempDir Path dir) throws Exception {
        try (DefinitionStore s = DefinitionStore.openFile(dir.resolve("federa"))) {
            s.apply(shop(), "alice", "first", Instant.now());
            DefinitionStore.Applied bad = s.apply("applications: [{ name: x }]", "mallory", "broken", Instant.now());
            assertThat(bad.version()).isEmpty();
            assertThat(bad.validation().errors()).isNotEmpty();
            assertThat(s.versions()).hasSize(1);
            assertThat(s.current()).contains(shop());
        }
    }

    @Test
    void migrations_run_once_and_a_newer_schema_is_refused(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("federa");
        DefinitionStore.openFile(db).close();
        DefinitionStore.openFile(db).close();
        String url = "jdbc:h2:file:" + db.toAbsolutePath();
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            var r = st.executeQuery("SELECT COUNT(*) FROM \"flyway_schema_history\" WHERE \"success\" AND \"type\" = 'SQL'");
            r.next();
            assertThat(r.getInt(1)).as("every migration, each once").isEqualTo(SchemaTest.latestMigration());
            r = st.executeQuery("SELECT MAX(\"installed_rank\") FROM \"flyway_schema_history\"");
            r.next();
            st.execute("INSERT INTO \"flyway_schema_history\" (\"installed_rank\", \"version\", \"description\", \"type\", "
                    + "\"script\", \"checksum\", \"installed_by\", \"execution_time\", \"success\") VALUES (" + (r.getInt(1) + 1)
                    + ", '99', 'from the future', 'SQL', 'V99__from_the_future.sql', 1, 'sa', 1, TRUE)");
        }
        assertThatThrownBy(() -> DefinitionStore.openFile(db)).hasMessageContaining("version 99 (from the future) was applied "
                + "to this database by a newer manager");
    }

    @Test
    void postgresql_keeps_versions_across_connections_and_deletes_a_service_as_a_new_version() throws Exception {
        String url = PostgresServer.get().newDatabase();
        try (DefinitionStore s = DefinitionStore.open(url, "federa", "")) {
            assertThat(s.apply(shop(), "alice", "first", Instant.parse("2026-11-28T10:00:00Z")).version()).isPresent();
            assertThat(s.apply("applications: []\nservices: [{name: x}]\n", "alice", "bad", Instant.now()).version()).isEmpty();
            assertThat(s.deleteService("backoffice", "bob", Instant.parse("2026-11-28T11:00:00Z")))
                    .get().satisfies(v -> assertThat(v.change()).isEqualTo("deleted service backoffice"));
        }
        try (DefinitionStore s = DefinitionStore.open(url, "federa", "")) {
            assertThat(s.versions()).extracting(DefinitionStore.Version::version).containsExactly(1, 2);
            assertThat(s.versions().get(0).appliedAt()).isEqualTo(Instant.parse("2026-11-28T10:00:00Z"));
            assertThat(s.current()).get().asString().doesNotContain("backoffice").contains("name: \"shop\"");
            assertThat(s.document(1)).contains(shop());
        }
    }
}
