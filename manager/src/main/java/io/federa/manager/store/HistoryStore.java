package io.federa.manager.store;

import io.federa.manager.core.availability.AvailabilityHistory;
import io.federa.manager.core.availability.ServiceAvailability;
import io.federa.manager.core.audit.AuditEntry;
import io.federa.manager.core.availability.ServiceStates;
import io.federa.manager.core.events.Event;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The record of what happened: events, each service's state transitions from which its
 * availability ratios are computed, and the audit log. Same database as the definitions (embedded H2 file or
 * PostgreSQL). Blocking (JDBC): callers on an event loop go through a worker.
 */
public final class HistoryStore implements AutoCloseable {
    private static final String REASON_SEPARATOR = "\n";
    private final Database db;
    private final boolean ownsDatabase;

    private HistoryStore(Database db, boolean ownsDatabase) {
        this.db = db;
        this.ownsDatabase = ownsDatabase;
    }

    /** On a database the caller opened, and closes: closing this store leaves it open. */
    public static HistoryStore on(Database db) {
        return new HistoryStore(db, false);
    }

    /** With a pool of its own, closed with this store. */
    public static HistoryStore openFile(java.nio.file.Path file) throws SQLException {
        return open(Jdbc.fileUrl(file), "", "");
    }

    /** With a pool of its own, closed with this store. */
    public static HistoryStore open(String jdbcUrl, String user, String password) throws SQLException {
        return new HistoryStore(Database.open(jdbcUrl, user, password, Database.OWN_POOL_SIZE, "federa-history"), true);
    }

    /** Writes events and service transitions together: both or neither. */
    public void write(List<Event> events, List<ServiceStates.Change> changes) throws SQLException {
        if (events.isEmpty() && changes.isEmpty()) {
            return;
        }
        db.transaction(connection -> {
            try (PreparedStatement p = connection.prepareStatement(
                    "INSERT INTO event (at_millis, severity, kind, subject, message) VALUES (?, ?, ?, ?, ?)")) {
                for (Event e : events) {
                    p.setLong(1, e.atMillis());
                    p.setString(2, e.severity().name());
                    p.setString(3, Jdbc.clip(e.kind(), 64));
                    p.setString(4, Jdbc.clip(e.subject(), 256));
                    p.setString(5, Jdbc.clip(e.message(), 4000));
                    p.addBatch();
                }
                p.executeBatch();
            }
            try (PreparedStatement p = connection.prepareStatement(
                    "INSERT INTO service_transition (service, at_millis, state, reasons) VALUES (?, ?, ?, ?)")) {
                for (ServiceStates.Change c : changes) {
                    p.setString(1, Jdbc.clip(c.service(), 64));
                    p.setLong(2, c.atMillis());
                    p.setString(3, c.availability().state().name());
                    p.setString(4, Jdbc.clip(String.join(REASON_SEPARATOR, c.availability().reasons()), 4000));
                    p.addBatch();
                }
                p.executeBatch();
            }
            return null;
        });
    }

    /** Appends to the audit log, all or none. */
    public void writeAudit(List<AuditEntry> entries) throws SQLException {
        if (entries.isEmpty()) {
            return;
        }
        db.transaction(connection -> {
            try (PreparedStatement p = connection.prepareStatement(
                    "INSERT INTO audit (at_millis, actor, source, action, target, result) VALUES (?, ?, ?, ?, ?, ?)")) {
                for (AuditEntry e : entries) {
                    p.setLong(1, e.atMillis());
                    p.setString(2, Jdbc.clip(e.actor(), 256));
                    p.setString(3, Jdbc.clip(e.source(), 256));
                    p.setString(4, Jdbc.clip(e.action(), 512));
                    p.setString(5, Jdbc.clip(e.target(), 256));
                    p.setString(6, Jdbc.clip(e.result(), 1000));
                    p.addBatch();
                }
                p.executeBatch();
            }
            return null;
        });
    }

    /** Audit entries at or after {@code sinceMillis}, newest first. */
    public List<AuditEntry> audit(long sinceMillis, int limit) throws SQLException {
        return db.read(connection -> {
            List<AuditEntry> out = new ArrayList<>();
            try (PreparedStatement p = connection.prepareStatement("SELECT at_millis, actor, source, action, target, result FROM audit"
                    + " WHERE at_millis >= ? ORDER BY at_millis DESC, id DESC")) {
                p.setLong(1, sinceMillis);
                p.setMaxRows(limit);
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) {
                        out.add(new AuditEntry(r.getLong(1), r.getString(2), r.getString(3), r.getString(4), r.getString(5),
                                r.getString(6)));
                    }
                }
            }
            return out;
        });
    }

    /** Events at or after {@code sinceMillis}, newest first; {@code kindPrefix} empty for all kinds. */
    public List<Event> events(long sinceMillis, String kindPrefix, int limit) throws SQLException {
        return db.read(connection -> {
            List<Event> out = new ArrayList<>();
            try (PreparedStatement p = connection.prepareStatement("SELECT at_millis, severity, kind, subject, message FROM event "
                    + "WHERE at_millis >= ? AND kind LIKE ? ORDER BY at_millis DESC, id DESC LIMIT ?")) {
                p.setLong(1, sinceMillis);
                p.setString(2, kindPrefix.replace("%", "").replace("_", "\\_") + "%");
                p.setInt(3, limit);
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) {
                        out.add(new Event(r.getLong(1), Event.Severity.valueOf(r.getString(2)), r.getString(3), r.getString(4),
                                r.getString(5)));
                    }
                }
            }
            return out;
        });
    }

    /**
     * A service's transitions since {@code sinceMillis}, oldest first, preceded by the last one
     * before it (the state the window opened in).
     */
    public List<ServiceStates.Change> transitions(String service, long sinceMillis) throws SQLException {
        return db.read(connection -> {
            List<ServiceStates.Change> out = new ArrayList<>();
            try (PreparedStatement p = connection.prepareStatement("SELECT at_millis, state, reasons FROM service_transition "
                    + "WHERE service = ? AND at_millis < ? ORDER BY at_millis DESC, id DESC LIMIT 1")) {
                p.setString(1, service);
                p.setLong(2, sinceMillis);
                readChanges(service, p, out);
            }
            try (PreparedStatement p = connection.prepareStatement("SELECT at_millis, state, reasons FROM service_transition "
                    + "WHERE service = ? AND at_millis >= ? ORDER BY at_millis, id")) {
                p.setString(1, service);
                p.setLong(2, sinceMillis);
                readChanges(service, p, out);
            }
            return out;
        });
    }

    /** Every service's last recorded state, for a manager that starts again. */
    public Map<String, ServiceAvailability> lastStates() throws SQLException {
        return db.read(connection -> {
            Map<String, ServiceAvailability> out = new LinkedHashMap<>();
            try (PreparedStatement p = connection.prepareStatement("SELECT t.service, t.at_millis, t.state, t.reasons "
                    + "FROM service_transition t WHERE t.id = (SELECT MAX(u.id) FROM service_transition u WHERE u.service = t.service) "
                    + "ORDER BY t.service");
                 ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    out.put(r.getString(1), availability(r.getString(1), r.getString(3), r.getString(4)));
                }
            }
            return out;
        });
    }

    /** The availability record of a service over {@code windowMillis} before {@code nowMillis}. */
    public AvailabilityHistory history(String service, long nowMillis, long windowMillis) throws SQLException {
        return new AvailabilityHistory(transitions(service, nowMillis - windowMillis).stream()
                .map(c -> new AvailabilityHistory.Transition(c.atMillis(), c.availability().state())).toList());
    }

    /**
     * Forgets events older than {@code beforeMillis}, and transitions older than it except each
     * service's last one before it (still needed to know the state the window opens in).
     * @return rows deleted
     */
    public int prune(long beforeMillis) throws SQLException {
        return db.read(connection -> {
            int n;
            try (PreparedStatement p = connection.prepareStatement("DELETE FROM event WHERE at_millis < ?")) {
                p.setLong(1, beforeMillis);
                n = p.executeUpdate();
            }
            try (PreparedStatement p = connection.prepareStatement("DELETE FROM audit WHERE at_millis < ?")) {
                p.setLong(1, beforeMillis);
                n += p.executeUpdate();
            }
            try (PreparedStatement p = connection.prepareStatement("DELETE FROM service_transition WHERE at_millis < ? AND id < "
                    + "(SELECT MAX(u.id) FROM service_transition u WHERE u.service = service_transition.service AND u.at_millis < ?)")) {
                p.setLong(1, beforeMillis);
                p.setLong(2, beforeMillis);
                n += p.executeUpdate();
            }
            return n;
        });
    }

    private static void readChanges(String service, PreparedStatement p, List<ServiceStates.Change> out) throws SQLException {
        try (ResultSet r = p.executeQuery()) {
            while (r.next()) {
                out.add(new ServiceStates.Change(service, r.getLong(1), availability(service, r.getString(2), r.getString(3))));
            }
        }
    }

    private static ServiceAvailability availability(String service, String state, String reasons) {
        return new ServiceAvailability(service, ServiceAvailability.State.valueOf(state),
                reasons.isEmpty() ? List.of() : Arrays.asList(reasons.split(REASON_SEPARATOR)));
    }

    /** Closes the pool when this store opened it. */
    @Override
    public void close() {
        if (ownsDatabase) {
            db.close();
        }
    }
}
