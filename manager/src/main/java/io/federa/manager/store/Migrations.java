package io.federa.manager.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The store's schema, as numbered migrations applied in order, each once, each in its own
 * transaction; {@code schema_version} records what was applied. A database newer than this
 * program (a version it does not know) is refused rather than written to.
 */
final class Migrations {
    /** The migrations, in order: resource names under migrations/. */
    static final List<String> ALL = List.of("V1__definitions.sql", "V2__history.sql", "V3__lifecycle.sql",
            "V4__scaling.sql", "V5__vm_migrations.sql", "V6__leader_term.sql", "V7__audit.sql", "V8__cost.sql");

    private Migrations() {
    }

    /** The advisory lock PostgreSQL holds while one manager migrates: managers that start together take turns. */
    private static final long LOCK = 0x46454445524141L;

    static void apply(Connection c) throws SQLException {
        boolean postgres = c.getMetaData().getDatabaseProductName().toLowerCase(java.util.Locale.ROOT).contains("postgres");
        if (!postgres) {
            migrate(c);
            return;
        }
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_lock(" + LOCK + ")");
        }
        try {
            migrate(c);
        } finally {
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_unlock(" + LOCK + ")");
            }
        }
    }

    private static void migrate(Connection c) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
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
            if (current > ALL.size()) {
                throw new SQLException("the database's schema is at version " + current + " but this manager knows "
                        + ALL.size() + " migrations: it was written by a newer manager");
            }
            for (int v = current + 1; v <= ALL.size(); v++) {
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
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    private static String read(String name) throws SQLException {
        try (InputStream in = Migrations.class.getResourceAsStream("migrations/" + name)) {
            if (in == null) {
                throw new SQLException("migration " + name + " is missing from the program");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SQLException("cannot read migration " + name, e);
        }
    }

    /** Splits a script on semicolons at line ends, dropping comment lines. */
    static List<String> statements(String script) {
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
