package io.federa.manager.store;

import io.federa.manager.core.cost.CostLine;
import io.federa.manager.core.cost.Resolution;
import io.federa.manager.core.cost.Usage;
import io.federa.manager.core.forecast.Outlook;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Cost lines (docs/cost.md) per minute, hour and day. Minutes are written as they close; each
 * hour is summed from its minutes once it closes, each day from its hours; each resolution is
 * pruned past its retention. Blocking (JDBC): callers on an event loop go through a worker.
 */
public final class CostStore implements AutoCloseable {
    private static final String COLUMNS = "host, site, application, currency, cpu_nanoseconds, storage_gib_hours, "
            + "bytes_sent, packets_sent, cost, gap_millis";
    private final Database db;
    private final boolean ownsDatabase;

    private CostStore(Database db, boolean ownsDatabase) {
        this.db = db;
        this.ownsDatabase = ownsDatabase;
    }

    /** On a database the caller opened, and closes: closing this store leaves it open. */
    public static CostStore on(Database db) {
        return new CostStore(db, false);
    }

    /** With a pool of its own, closed with this store. */
    public static CostStore openFile(java.nio.file.Path file) throws SQLException {
        return open(Jdbc.fileUrl(file), "", "");
    }

    /** With a pool of its own, closed with this store. */
    public static CostStore open(String jdbcUrl, String user, String password) throws SQLException {
        return new CostStore(Database.open(jdbcUrl, user, password, Database.OWN_POOL_SIZE, "federa-cost"), true);
    }

    /** Writes closed minutes, in one batch: all or none. */
    public void writeMinutes(List<CostLine> lines) throws SQLException {
        writeMinutes(lines, Map.of());
    }

    /**
     * Writes closed minutes and what they account for, in one transaction: all or none.
     *
     * @param through per host, the end of the last interval the lines count (ms since the epoch);
     *                a host's watermark only moves forward
     */
    public void writeMinutes(List<CostLine> lines, Map<String, Long> through) throws SQLException {
        if (lines.isEmpty() && through.isEmpty()) {
            return;
        }
        db.transaction(connection -> {
            writeWatermarks(connection, through);
            if (lines.isEmpty()) {
                return null;
            }
            try (PreparedStatement p = connection.prepareStatement("INSERT INTO cost_line (resolution, bucket_millis, " + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (CostLine l : lines) {
                    p.setString(1, Resolution.MINUTE.code);
                    p.setLong(2, l.bucketMillis());
                    p.setString(3, Jdbc.clip(l.host(), 256));
                    p.setString(4, Jdbc.clip(l.site(), 256));
                    p.setString(5, Jdbc.clip(l.application(), 256));
                    p.setString(6, Jdbc.clip(l.currency(), 16));
                    p.setLong(7, l.usage().cpuNanoseconds());
                    p.setDouble(8, l.usage().storageGiBHours());
                    p.setLong(9, l.usage().bytesSent());
                    p.setLong(10, l.usage().packetsSent());
                    p.setDouble(11, l.cost());
                    p.setLong(12, l.gapMillis());
                    p.addBatch();
                }
                p.executeBatch();
            }
            return null;
        });
    }

    private static void writeWatermarks(Connection connection, Map<String, Long> through) throws SQLException {
        if (through.isEmpty()) {
            return;
        }
        // One writer (the leader): an update, and an insert where there was nothing to update.
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE cost_watermark SET through_millis = GREATEST(through_millis, ?) WHERE host = ?");
             PreparedStatement insert = connection.prepareStatement(
                     "INSERT INTO cost_watermark (host, through_millis) VALUES (?, ?)")) {
            for (Map.Entry<String, Long> e : through.entrySet()) {
                update.setLong(1, e.getValue());
                update.setString(2, Jdbc.clip(e.getKey(), 256));
                if (update.executeUpdate() == 0) {
                    insert.setString(1, Jdbc.clip(e.getKey(), 256));
                    insert.setLong(2, e.getValue());
                    insert.executeUpdate();
                }
            }
        }
    }

    /** Per host, the end of the last interval its written lines count (ms since the epoch). */
    public Map<String, Long> watermarks() throws SQLException {
        return db.read(connection -> {
            Map<String, Long> out = new java.util.HashMap<>();
            try (PreparedStatement p = connection.prepareStatement("SELECT host, through_millis FROM cost_watermark");
                 ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getLong(2));
                }
            }
            return out;
        });
    }

    /**
     * Sums every hour that closed before {@code untilMillis} from its minutes, then every such day
     * from its hours, starting after the last bucket summed (again: a bucket summed twice is
     * replaced, not doubled).
     */
    public synchronized void rollUp(long untilMillis) throws SQLException {
        rollUp(Resolution.MINUTE, Resolution.HOUR, untilMillis);
        rollUp(Resolution.HOUR, Resolution.DAY, untilMillis);
    }

    private void rollUp(Resolution from, Resolution to, long untilMillis) throws SQLException {
        long end = Math.floorDiv(untilMillis, to.millis) * to.millis;
        Long start = db.read(c -> edge(c, "MAX", to));
        if (start == null) {
            Long first = db.read(c -> edge(c, "MIN", from));
            if (first == null) {
                return;
            }
            start = Math.floorDiv(first, to.millis) * to.millis;
        } else {
            start += to.millis;
        }
        if (start >= end) {
            return;
        }
        long first = start;
        db.transaction(connection -> {
            try (PreparedStatement p = connection.prepareStatement(
                    "DELETE FROM cost_line WHERE resolution = ? AND bucket_millis >= ? AND bucket_millis < ?")) {
                p.setString(1, to.code);
                p.setLong(2, first);
                p.setLong(3, end);
                p.executeUpdate();
            }
            // The bucket's start computed in a subquery: PostgreSQL groups by a column, not by an expression repeated.
            try (PreparedStatement p = connection.prepareStatement("INSERT INTO cost_line (resolution, bucket_millis, " + COLUMNS
                    + ") SELECT ?, b, host, MAX(site), application, currency, SUM(cpu_nanoseconds), SUM(storage_gib_hours),"
                    + " SUM(bytes_sent), SUM(packets_sent), SUM(cost), SUM(gap_millis) FROM (SELECT bucket_millis - MOD(bucket_millis, ?) AS b, "
                    + COLUMNS + " FROM cost_line WHERE resolution = ? AND bucket_millis >= ? AND bucket_millis < ?) x"
                    + " GROUP BY b, host, application, currency")) {
                p.setString(1, to.code);
                p.setLong(2, to.millis);
                p.setString(3, from.code);
                p.setLong(4, first);
                p.setLong(5, end);
                p.executeUpdate();
            }
            return null;
        });
    }

    private static Long edge(Connection connection, String f, Resolution r) throws SQLException {
        try (PreparedStatement p = connection.prepareStatement("SELECT " + f + "(bucket_millis) FROM cost_line WHERE resolution = ?")) {
            p.setString(1, r.code);
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                long v = rs.getLong(1);
                return rs.wasNull() ? null : v;
            }
        }
    }

    /** Deletes each resolution's buckets that started before its horizon (milliseconds since the epoch). */
    public void prune(Map<Resolution, Long> horizons) throws SQLException {
        db.transaction(connection -> {
            for (Map.Entry<Resolution, Long> e : horizons.entrySet()) {
                try (PreparedStatement p = connection.prepareStatement(
                        "DELETE FROM cost_line WHERE resolution = ? AND bucket_millis < ?")) {
                    p.setString(1, e.getKey().code);
                    p.setLong(2, e.getValue());
                    p.executeUpdate();
                }
            }
            return null;
        });
    }

    /**
     * The lines of {@code [fromMillis, toMillis)} at resolution {@code r} as far as its buckets
     * were summed, and past that at the finer ones: a report by day includes today's hours and
     * this hour's minutes.
     */
    public List<CostLine> lines(Resolution r, long fromMillis, long toMillis) throws SQLException {
        return db.read(connection -> {
            List<CostLine> out = new ArrayList<>();
            long from = fromMillis;
            for (Resolution at = r; at != null && from < toMillis; at = at.finer()) {
                Long last = at == Resolution.MINUTE ? null : edge(connection, "MAX", at);
                long end = at == Resolution.MINUTE ? toMillis : last == null ? from : Math.min(toMillis, last + at.millis);
                if (end > from) {
                    read(connection, at, from, end, out);
                    from = end;
                }
            }
            return out;
        });
    }

    /**
     * Each host's usage per bucket of {@code r} in {@code [fromMillis, toMillis)}, summed over its
     * applications, with how long it went unsampled: what forecasts read. Only buckets summed
     * already (an hour is summed once it closed).
     */
    public List<Outlook.HostStep> hostSteps(Resolution r, long fromMillis, long toMillis) throws SQLException {
        return db.read(connection -> {
            List<Outlook.HostStep> out = new ArrayList<>();
            try (PreparedStatement p = connection.prepareStatement("SELECT bucket_millis, host, MAX(site), SUM(cpu_nanoseconds),"
                    + " SUM(storage_gib_hours), SUM(bytes_sent), SUM(packets_sent), SUM(gap_millis) FROM cost_line"
                    + " WHERE resolution = ? AND bucket_millis >= ? AND bucket_millis < ? GROUP BY bucket_millis, host")) {
                p.setString(1, r.code);
                p.setLong(2, fromMillis);
                p.setLong(3, toMillis);
                p.setFetchSize(10_000);
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Outlook.HostStep(rs.getString(2), rs.getString(3), rs.getLong(1),
                                new Usage(rs.getLong(4), rs.getDouble(5), rs.getLong(6), rs.getLong(7)), rs.getLong(8)));
                    }
                }
            }
            return out;
        });
    }

    /**
     * The CPUs each of {@code applications} kept busy, all its VMs together, per step of
     * {@code stepMillis} in {@code [fromMillis, toMillis)}, from the minutes: per application, the
     * steps' starts and figures; a step without a minute of the application is left out, one
     * with some of its minutes counts over those.
     */
    public Map<String, java.util.TreeMap<Long, Double>> applicationCpus(java.util.Set<String> applications, long fromMillis,
                                                                        long toMillis, long stepMillis) throws SQLException {
        return db.read(connection -> {
            Map<String, java.util.TreeMap<Long, Double>> out = new java.util.HashMap<>();
            if (applications.isEmpty()) {
                return out;
            }
            String marks = String.join(", ", java.util.Collections.nCopies(applications.size(), "?"));
            try (PreparedStatement p = connection.prepareStatement("SELECT b, application, SUM(cpu_nanoseconds), "
                    + "COUNT(DISTINCT bucket_millis) FROM (SELECT bucket_millis - MOD(bucket_millis, ?) AS b, bucket_millis, "
                    + "application, cpu_nanoseconds FROM cost_line WHERE resolution = ? AND bucket_millis >= ? AND "
                    + "bucket_millis < ? AND application IN (" + marks + ")) x GROUP BY b, application")) {
                int i = 1;
                p.setLong(i++, stepMillis);
                p.setString(i++, Resolution.MINUTE.code);
                p.setLong(i++, fromMillis);
                p.setLong(i++, toMillis);
                for (String a : applications) {
                    p.setString(i++, Jdbc.clip(a, 256));
                }
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        double seconds = rs.getLong(4) * (Resolution.MINUTE.millis / 1000.0);
                        out.computeIfAbsent(rs.getString(2), a -> new java.util.TreeMap<>())
                                .put(rs.getLong(1), rs.getLong(3) / 1e9 / seconds);
                    }
                }
            }
            return out;
        });
    }

    private static void read(Connection connection, Resolution r, long from, long to, List<CostLine> out) throws SQLException {
        try (PreparedStatement p = connection.prepareStatement("SELECT bucket_millis, " + COLUMNS
                + " FROM cost_line WHERE resolution = ? AND bucket_millis >= ? AND bucket_millis < ? ORDER BY bucket_millis")) {
            p.setString(1, r.code);
            p.setLong(2, from);
            p.setLong(3, to);
            p.setFetchSize(10_000);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(new CostLine(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            new Usage(rs.getLong(6), rs.getDouble(7), rs.getLong(8), rs.getLong(9)), rs.getDouble(10),
                            rs.getLong(11)));
                }
            }
        }
    }

    @Override
    public void close() {
        if (ownsDatabase) {
            db.close();
        }
    }
}
