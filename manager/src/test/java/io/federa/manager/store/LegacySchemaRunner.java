package io.federa.manager.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The runner the manager used before Flyway, as it was shipped (the store's Migrations class),
 * kept here to make the databases that Flyway must adopt: it applies the migrations up to a
 * version, each in its own transaction, and records each in {@code schema_version}, under the
 * same PostgreSQL advisory lock.
 */
final class LegacySchemaRunner {
    static final List<String> ALL = List.of("V1__definitions.sql", "V2__history.sql", "V3__lifecycle.sql",
            "V4__scaling.sql", "V5__vm_migrations.sql", "V6__leader_term.sql", "V7__audit.sql");

    private static final long LOCK = 0x46454445524141L;

    private LegacySchemaRunner() {
    }

    /** Brings the database at {@code url} to version {@code upTo} (0: only the empty schema_version table). */
    static void apply(String url, String user, String password, int upTo) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, password)) {
            boolean postgres = c.getMetaData().getDatabaseProductName().toLowerCase(java.util.Locale.ROOT).contains("postgres");
            if (postgres) {
                try (Statement s = c.createStatement()) {
                    s.execute("SELECT pg_advisory_lock(" + LOCK + ")");
                }
            }
            try {
                migrate(c, upTo);
            } finally {
                if (postgres) {
                    try (Statement s = c.createStatement()) {
                        s.execute("SELECT pg_advisory_unlock(" + LOCK + ")");
                    }
                }
            }
        }
    }

    private static void migrate(Connection c, int upTo) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, "
                    + "name VARCHAR(200) NOT NULL, applied_at TIMESTAMP NOT NULL)");
        }
        c.commit();
        int current = 0;
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT MAX(version) FROM schema_version")) {
            if (r.next()) {
                current = r.getInt(1);
            }
        }
        for (int v = current + 1; v <= upTo; v++) {
            String name = ALL.get(v - 1);
            try (Statement s = c.createStatement()) {
                for (String sql : statements(read(name))) {
                    s.execute(sql);
                }
            }
            try (PreparedStatement p = c.prepareStatement(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, CURRENT_TIMESTAMP)")) {
                p.setInt(1, v);
                p.setString(2, name);
                p.executeUpdate();
            }
            c.commit();
        }
    }

    private static String read(String name) throws SQLException {
        try (InputStream in = LegacySchemaRunner.class.getResourceAsStream("migrations/" + name)) {
            if (in == null) {
                throw new SQLException("migration " + name + " is missing from the program");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SQLException("cannot read migration " + name, e);
        }
    }

    /** Splits a script on semicolons at line ends, dropping comment lines. */
    private static List<String> statements(String script) {
        StringBuilder clean = new StringBuilder();
        for (String line : script.split("\n")) {
            if (!line.trim().startsWith("--")) {
                clean.append(line).append('\n');
            }
        }
        return java.util.Arrays.stream(clean.toString().split(";\\s*\n"))
                .map(String::trim).filter(s -> !s.isEmpty()).map(s -> s.endsWith(";") ? s.substring(0, s.length() - 1) : s)
                .toList();
    }
}
