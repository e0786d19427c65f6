package io.federa.manager.store;

import io.federa.manager.core.lifecycle.DesiredState;
import io.federa.manager.core.lifecycle.ManagedInstance;
import io.federa.manager.core.migration.Migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the lifecycle must remember across restarts: each service's desired state, the instances
 * the manager placed (host and epoch), and the cordoned hosts. Same database as the definitions.
 * Blocking (JDBC): callers on an event loop go through a worker.
 */
public final class LifecycleStore implements AutoCloseable {
    private final Database db;
    private final boolean ownsDatabase;
    private volatile long guardTerm;

    private LifecycleStore(Database db, boolean ownsDatabase) {
        this.db = db;
        this.ownsDatabase = ownsDatabase;
    }

    /** On a database the caller opened, and closes: closing this store leaves it open. */
    public static LifecycleStore on(Database db) {
        return new LifecycleStore(db, false);
    }

    /** With a pool of its own, closed with this store. */
    public static LifecycleStore openFile(java.nio.file.Path file) throws SQLException {
        return open(Jdbc.fileUrl(file), "", "");
    }

    /** With a pool of its own, closed with this store. */
    public static LifecycleStore open(String jdbcUrl, String user, String password) throws SQLException {
        return new LifecycleStore(Database.open(jdbcUrl, user, password, Database.OWN_POOL_SIZE, "federa-lifecycle"), true);
    }

    /**
     * Conditions every write on {@code term} still being the leader's: a write finds the stored
     * term in the same transaction, under a lock, and is refused when it differs, so a leader that
     * was deposed while it thought it led changes nothing. 0 checks nothing (a store no leader uses).
     */
    public void guard(long term) {
        this.guardTerm = term;
    }

    /** A write refused because the writer no longer leads. */
    public static final class DeposedException extends SQLException {
        private static final long serialVersionUID = 1L;

        DeposedException(long mine, long current) {
            super("deposed: this manager's term " + mine + " is no longer the leader's (term " + current + " leads)");
        }
    }

    /** Inside a write's transaction: refuses it unless the guarded term still leads. */
    private void checkTerm(Connection connection) throws SQLException {
        long mine = guardTerm;
        if (mine == 0) {
            return;
        }
        try (PreparedStatement p = connection.prepareStatement("SELECT term FROM leader_term WHERE id = 1 FOR UPDATE");
             ResultSet r = p.executeQuery()) {
            long current = r.next() ? r.getLong(1) : -1;
            if (current != mine) {
                throw new DeposedException(mine, current);
            }
        }
    }

    /**
     * Runs {@code work} in one transaction, under the term's guard. Writes are taken one at a
     * time, in the order they are asked (as on the one connection this store had before its
     * pool); reads run beside them.
     */
    private synchronized void write(Work work) throws SQLException {
        db.transaction(connection -> {
            checkTerm(connection);
            work.run(connection);
            return null;
        });
    }

    @FunctionalInterface
    private interface Work {
        void run(Connection connection) throws SQLException;
    }

    public void setDesired(String service, DesiredState state, String by, long atMillis) throws SQLException {
        replace("service_desired", "service", service,
                "INSERT INTO service_desired (service, state, changed_at, changed_by) VALUES (?, ?, ?, ?)", i -> {
                    i.setString(1, service);
                    i.setString(2, state.name());
                    i.setLong(3, atMillis);
                    i.setString(4, Jdbc.clip(by, 128));
                });
    }

    public Map<String, DesiredState> desired() throws SQLException {
        return db.read(connection -> {
            Map<String, DesiredState> out = new LinkedHashMap<>();
            try (PreparedStatement p = connection.prepareStatement("SELECT service, state FROM service_desired ORDER BY service");
                 ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    out.put(r.getString(1), DesiredState.valueOf(r.getString(2)));
                }
            }
            return out;
        });
    }

    /** Records where an instance now is (a new instance, or one placed again with a new epoch). */
    public void putInstance(ManagedInstance i) throws SQLException {
        write(connection -> putInstanceRow(connection, i));
    }

    /** Deletes and inserts the instance's row, inside the caller's transaction. */
    private static void putInstanceRow(Connection connection, ManagedInstance i) throws SQLException {
        try (PreparedStatement d = connection.prepareStatement("DELETE FROM managed_instance WHERE name = ?");
             PreparedStatement p = connection.prepareStatement(
                     "INSERT INTO managed_instance (name, application, service, host, epoch) VALUES (?, ?, ?, ?, ?)")) {
            d.setString(1, i.name());
            d.executeUpdate();
            p.setString(1, i.name());
            p.setString(2, i.application());
            p.setString(3, i.service());
            p.setString(4, i.host());
            p.setLong(5, i.epoch());
            p.executeUpdate();
        }
    }

    /** Forgets an instance the manager removed (scaled in). */
    public void removeInstance(String name) throws SQLException {
        write(connection -> {
            try (PreparedStatement p = connection.prepareStatement("DELETE FROM managed_instance WHERE name = ?")) {
                p.setString(1, name);
                p.executeUpdate();
            }
        });
    }

    public Map<String, ManagedInstance> instances() throws SQLException {
        return db.read(connection -> {
            Map<String, ManagedInstance> out = new LinkedHashMap<>();
            try (PreparedStatement p = connection.prepareStatement(
                    "SELECT name, application, service, host, epoch FROM managed_instance ORDER BY name");
                 ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    out.put(r.getString(1), new ManagedInstance(r.getString(1), r.getString(2), r.getString(3), r.getString(4),
                            r.getLong(5)));
                }
            }
            return out;
        });
    }

    /** Records an application's wanted instances after a scaling decision. */
    public void setScalingTarget(String application, int target, long atMillis) throws SQLException {
        replace("scaling_target", "application", application,
                "INSERT INTO scaling_target (application, target, changed_at) VALUES (?, ?, ?)", i -> {
                    i.setString(1, application);
                    i.setInt(2, target);
                    i.setLong(3, atMillis);
                });
    }

    /** Each scaled application's wanted instances and when they last changed: {target, changedAtMillis}. */
    public Map<String, long[]> scalingTargets() throws SQLException {
        return db.read(connection -> {
            Map<String, long[]> out = new LinkedHashMap<>();
            try (PreparedStatement p = connection.prepareStatement("SELECT application, target, changed_at FROM scaling_target");
                 ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    out.put(r.getString(1), new long[]{r.getInt(2), r.getLong(3)});
                }
            }
            return out;
        });
    }

    /** @return false when the host was already in that state */
    public synchronized boolean cordon(String host, boolean cordoned, String by, long atMillis) throws SQLException {
        if (cordoned == cordoned().contains(host)) {
            return false;
        }
        write(connection -> {
            if (cordoned) {
                try (PreparedStatement p = connection.prepareStatement(
                        "INSERT INTO host_cordon (host, cordoned_at, cordoned_by) VALUES (?, ?, ?)")) {
                    p.setString(1, host);
                    p.setLong(2, atMillis);
                    p.setString(3, Jdbc.clip(by, 128));
                    p.executeUpdate();
                }
            } else {
                try (PreparedStatement p = connection.prepareStatement("DELETE FROM host_cordon WHERE host = ?")) {
                    p.setString(1, host);
                    p.executeUpdate();
                }
            }
        });
        return true;
    }

    public Set<String> cordoned() throws SQLException {
        return db.read(connection -> {
            Set<String> out = new TreeSet<>();
            try (PreparedStatement p = connection.prepareStatement("SELECT host FROM host_cordon");
                 ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    out.add(r.getString(1));
                }
            }
            return out;
        });
    }

    /**
     * Journals a migration (inserted or replaced whole) and, in the same transaction, where its
     * instance now is when it has passed the point of no return.
     */
    public void putMigration(Migration m, Optional<ManagedInstance> instance) throws SQLException {
        putMigration(m, instance, Optional.empty());
    }

    /**
     * Journals a migration and, in the same transaction, where its instance now is and the instance
     * it replaced (a surge's VM at the source), so a restart never finds one without the other.
     */
    public void putMigration(Migration m, Optional<ManagedInstance> instance, Optional<String> forget)
            throws SQLException {
        write(connection -> {
            try (PreparedStatement d = connection.prepareStatement("DELETE FROM vm_migration WHERE id = ?");
                 PreparedStatement i = connection.prepareStatement("INSERT INTO vm_migration (id, seq, vm, phase, finished, "
                         + "requested_at, updated_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                d.setString(1, m.id());
                d.executeUpdate();
                i.setString(1, m.id());
                i.setLong(2, MigrationJson.sequence(m.id()));
                i.setString(3, m.vm());
                i.setString(4, m.phase().name());
                i.setBoolean(5, m.phase().finished());
                i.setLong(6, m.requestedAtMillis());
                i.setLong(7, m.progressAtMillis());
                i.setString(8, MigrationJson.encode(m));
                i.executeUpdate();
            }
            if (instance.isPresent()) {
                putInstanceRow(connection, instance.get());
            }
            if (forget.isPresent()) {
                try (PreparedStatement p = connection.prepareStatement("DELETE FROM managed_instance WHERE name = ?")) {
                    p.setString(1, forget.get());
                    p.executeUpdate();
                }
            }
        });
    }

    /** Unfinished migrations, oldest first, and the latest {@code finished} finished ones. */
    public List<Migration> migrations(int finished) throws SQLException {
        return db.read(connection -> {
            List<Migration> out = new ArrayList<>();
            try (PreparedStatement p = connection.prepareStatement("SELECT state FROM vm_migration WHERE finished = FALSE ORDER BY seq");
                 ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    out.add(MigrationJson.decode(r.getString(1)));
                }
            }
            if (finished <= 0) {
                return out;
            }
            try (PreparedStatement p = connection.prepareStatement("SELECT state FROM vm_migration WHERE finished = TRUE ORDER BY seq DESC")) {
                p.setMaxRows(finished);
                try (ResultSet r = p.executeQuery()) {
                    List<Migration> done = new ArrayList<>();
                    while (r.next()) {
                        done.add(MigrationJson.decode(r.getString(1)));
                    }
                    java.util.Collections.reverse(done);
                    out.addAll(0, done);
                }
            }
            return out;
        });
    }

    /** The highest migration number given so far (0 when none). */
    public long lastMigrationNumber() throws SQLException {
        return db.read(connection -> {
            try (PreparedStatement p = connection.prepareStatement("SELECT MAX(seq) FROM vm_migration");
                 ResultSet r = p.executeQuery()) {
                return r.next() ? r.getLong(1) : 0;
            }
        });
    }

    /** Fills in an INSERT's parameters. */
    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement insert) throws SQLException;
    }

    /** Replaces the row of {@code table} whose {@code keyColumn} is {@code key}: delete and insert, both or neither. */
    private void replace(String table, String keyColumn, String key, String insertSql, Binder values) throws SQLException {
        write(connection -> {
            try (PreparedStatement d = connection.prepareStatement("DELETE FROM " + table + " WHERE " + keyColumn + " = ?");
                 PreparedStatement i = connection.prepareStatement(insertSql)) {
                d.setString(1, key);
                d.executeUpdate();
                values.bind(i);
                i.executeUpdate();
            }
        });
    }

    /** Closes the pool when this store opened it. */
    @Override
    public void close() {
        if (ownsDatabase) {
            db.close();
        }
    }
}
