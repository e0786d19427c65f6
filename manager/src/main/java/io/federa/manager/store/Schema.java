package io.federa.manager.store;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.CoreErrorCode;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.MigrateResult;
import org.flywaydb.core.api.output.ValidateOutput;
import org.flywaydb.core.api.output.ValidateResult;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's schema: the numbered migrations under {@code migrations/} (V1__…, V2__…, and on), applied
 * by Flyway, each once and in its own transaction, recorded with its checksum in
 * {@code flyway_schema_history}. Managers that start together on one PostgreSQL take turns under
 * Flyway's lock. Refused at start, naming the problem: a migration edited after it was applied
 * (its file named), and a database written by a newer manager (a version this one does not know).
 *
 * <p>A database made before Flyway — its versions recorded by the manager's own runner in
 * {@code schema_version} — is adopted: Flyway is baselined at the version that runner had
 * reached, and applies only the migrations after it. {@code schema_version} is kept as it was
 * and no longer written.
 */
final class Schema {
    private static final Logger LOG = LoggerFactory.getLogger(Schema.class);

    /** Where the migrations are, in the manager's own jar. */
    static final String LOCATION = "classpath:io/federa/manager/store/migrations";

    /** Flyway's record of what ran (its default name, spelt out: the adoption looks for it). */
    static final String HISTORY_TABLE = "flyway_schema_history";

    /** The table the manager's runner before Flyway recorded applied versions in. */
    static final String LEGACY_TABLE = "schema_version";

    /**
     * The PostgreSQL advisory lock the runner before Flyway held while it migrated; held here
     * while a database it made is adopted, so that two managers starting together on it adopt it
     * once, and a manager of the old runner starting beside them waits its turn.
     */
    private static final long LEGACY_LOCK = 0x46454445524141L;

    /** The same, for the embedded database: managers in one JVM (tests) adopt one file once. */
    private static final Object EMBEDDED_ADOPTION = new Object();

    private Schema() {
    }

    /** Brings the database's schema up to date; its own connections, closed when done. */
    static MigrateResult migrate(String jdbcUrl, String user, String password) throws SQLException {
        return migrate(jdbcUrl, user, password, LOCATION);
    }

    /** The same with the migrations read from {@code location} (a Flyway location: tests edit a copy). */
    static MigrateResult migrate(String jdbcUrl, String user, String password, String location) throws SQLException {
        FluentConfiguration config = Flyway.configure(Schema.class.getClassLoader())
                .dataSource(jdbcUrl, user, password)
                .locations(location)
                .table(HISTORY_TABLE)
                // Pending migrations are what migrate is for; a future one (applied by a newer
                // manager) is not ignored, as Flyway would by default: it is refused.
                .ignoreMigrationPatterns("*:pending")
                .validateMigrationNaming(true)
                .failOnMissingLocations(true);
        adoptLegacy(config, jdbcUrl, user, password);
        Flyway flyway = config.load();
        try {
            // Flyway validates what was applied before it migrates (validateOnMigrate), under its lock.
            MigrateResult result = flyway.migrate();
            if (result.migrationsExecuted > 0) {
                String from = result.initialSchemaVersion == null ? "0" : result.initialSchemaVersion;
                LOG.info("store: schema migrated from version " + from + " to " + result.targetSchemaVersion + " (" + result.migrationsExecuted
                        + (result.migrationsExecuted == 1 ? " migration)" : " migrations)"));
            }
            return result;
        } catch (FlywayException e) {
            // Refused, or failed: validated alone, the database says which migrations are at fault.
            ValidateResult again;
            try {
                again = flyway.validateWithResult();
            } catch (FlywayException f) {
                throw new SQLException("the store's schema cannot be brought up to date: " + e.getMessage(), e);
            }
            refuseInvalid(again);
            throw new SQLException("the store's schema cannot be brought up to date: " + e.getMessage(), e);
        }
    }

    /** Throws, naming each migration at fault, when the database and this manager's migrations disagree. */
    private static void refuseInvalid(ValidateResult v) throws SQLException {
        if (v.validationSuccessful) {
            return;
        }
        List<String> problems = new ArrayList<>();
        for (ValidateOutput o : v.invalidMigrations) {
            problems.add(describe(o));
        }
        if (problems.isEmpty()) {
            problems.add(v.errorDetails == null ? v.getAllErrorMessages() : v.errorDetails.errorMessage);
        }
        throw new SQLException("the store's schema does not match this manager's migrations: " + String.join("; ", problems));
    }

    private static String describe(ValidateOutput o) {
        String file = o.filepath == null || o.filepath.isEmpty()
                ? "V" + o.version + "__" + o.description.replace(' ', '_') + ".sql"
                : o.filepath.substring(o.filepath.lastIndexOf('/') + 1);
        if (o.errorDetails != null && o.errorDetails.errorCode == CoreErrorCode.CHECKSUM_MISMATCH) {
            return "migration " + file + " was changed after it was applied to this database (its checksum differs from "
                    + "the one recorded in " + HISTORY_TABLE + "): put the file back as it was, and make the change "
                    + "in a new migration";
        }
        if (o.errorDetails != null && o.errorDetails.errorCode == CoreErrorCode.APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED) {
            return "version " + o.version + " (" + o.description + ") was applied to this database by a newer manager: "
                    + "this one does not know it, and does not write to a schema it does not know";
        }
        return "migration " + file + ": " + (o.errorDetails == null ? "invalid" : o.errorDetails.errorMessage);
    }

    /**
     * Baselines Flyway at the version the runner before it reached, when the database has that
     * runner's {@code schema_version} and no Flyway history yet.
     */
    private static void adoptLegacy(FluentConfiguration config, String jdbcUrl, String user, String password)
            throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl, user, password)) {
            boolean postgres = c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).contains("postgres");
            if (!postgres) {
                synchronized (EMBEDDED_ADOPTION) {
                    adoptLegacy(config, c);
                }
                return;
            }
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_lock(" + LEGACY_LOCK + ")");
            }
            try {
                adoptLegacy(config, c);
            } finally {
                try (Statement s = c.createStatement()) {
                    s.execute("SELECT pg_advisory_unlock(" + LEGACY_LOCK + ")");
                }
            }
        }
    }

    private static void adoptLegacy(FluentConfiguration config, Connection c) throws SQLException {
        if (hasTable(c, HISTORY_TABLE) || !hasTable(c, LEGACY_TABLE)) {
            return;
        }
        int reached;
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT MAX(version) FROM " + LEGACY_TABLE)) {
            reached = r.next() ? r.getInt(1) : 0;
        }
        try {
            // Baselined at 0 (the old runner made its table and applied nothing), Flyway applies every migration.
            Flyway.configure(Schema.class.getClassLoader()).configuration(config)
                    .baselineVersion(Integer.toString(reached))
                    .baselineDescription("applied before Flyway (" + LEGACY_TABLE + ")")
                    .load().baseline();
        } catch (FlywayException e) {
            throw new SQLException("cannot adopt the store's " + LEGACY_TABLE + " history (version " + reached + "): "
                    + e.getMessage(), e);
        }
        LOG.info("store: adopted the schema at version " + reached + " as " + LEGACY_TABLE + " recorded it; "
                + HISTORY_TABLE + " records the migrations from now on");
    }

    /** Whether the connection's current schema has the table, as written or as the database folds it. */
    static boolean hasTable(Connection c, String name) throws SQLException {
        DatabaseMetaData meta = c.getMetaData();
        for (String n : new String[]{name, name.toUpperCase(Locale.ROOT)}) {
            try (ResultSet r = meta.getTables(c.getCatalog(), c.getSchema(), n, new String[]{"TABLE"})) {
                if (r.next()) {
                    return true;
                }
            }
        }
        return false;
    }
}
