package io.federa.manager.store;

import io.federa.manager.core.lease.Standing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Leadership among the managers that share this store, from the store itself: one row holds the
 * leader's term, name, address and the time its claim expires. A manager renews its own claim, or
 * takes the lead with the next term once the claim has expired by more than the clock skew the
 * managers allow for; both in one transaction that locks the row, so two managers never hold one
 * term. Also the members' register, for {@code federa managers}. Blocking (JDBC): callers on an
 * event loop go through a worker. A pool of its own ({@link #POOL_SIZE} connections), so that
 * lifecycle and history writes filling the other pool never delay a renewal.
 */
public final class LeadershipStore implements AutoCloseable {
    /** One manager as it last said it was. */
    public record Member(String name, String url, long seenAtMillis, long term, boolean leading, int agentsReachable,
                         int agents) {
    }

    /** The leadership's own connections: one for the renewals, one for the register's readers. */
    public static final int POOL_SIZE = 2;

    private final Database db;
    private final boolean ownsDatabase;

    private LeadershipStore(Database db, boolean ownsDatabase) {
        this.db = db;
        this.ownsDatabase = ownsDatabase;
    }

    /** On a database the caller opened (for this store alone), and closes. */
    public static LeadershipStore on(Database db) {
        return new LeadershipStore(db, false);
    }

    public static LeadershipStore openFile(java.nio.file.Path file) throws SQLException {
        return open(Jdbc.fileUrl(file), "", "");
    }

    public static LeadershipStore open(String jdbcUrl, String user, String password) throws SQLException {
        return new LeadershipStore(Database.open(jdbcUrl, user, password, POOL_SIZE, "federa-leadership"), true);
    }

    /**
     * Renews {@code name}'s claim when it holds {@code heldTerm} and its claim has not expired;
     * otherwise takes the lead with the next term when the current claim expired more than
     * {@code skewMillis} ago (or nobody ever led); otherwise says who leads.
     *
     * @param heldTerm the term this manager believes it leads with; 0 when it does not lead
     */
    public Standing lead(String name, String url, long heldTerm, long nowMillis, long ttlMillis, long skewMillis)
            throws SQLException {
        return db.transaction(connection -> {
            long term;
            String holder;
            String holderUrl;
            long expires;
            try (PreparedStatement p = connection.prepareStatement(
                    "SELECT term, holder, holder_url, expires_at FROM leader_term WHERE id = 1 FOR UPDATE");
                 ResultSet r = p.executeQuery()) {
                if (!r.next()) {
                    throw new SQLException("the leader_term row is missing");
                }
                term = r.getLong(1);
                holder = r.getString(2);
                holderUrl = r.getString(3);
                expires = r.getLong(4);
            }
            Standing out;
            if (heldTerm > 0 && term == heldTerm && holder.equals(name) && nowMillis < expires) {
                update(connection, term, name, url, nowMillis, nowMillis + ttlMillis, false);
                out = new Standing(true, term, name, url, nowMillis + ttlMillis);
            } else if (term == 0 || nowMillis > expires + skewMillis) {
                update(connection, term + 1, name, url, nowMillis, nowMillis + ttlMillis, true);
                out = new Standing(true, term + 1, name, url, nowMillis + ttlMillis);
            } else {
                out = new Standing(false, term, holder, holderUrl, expires);
            }
            return out;
        });
    }

    private static void update(Connection connection, long term, String name, String url, long now, long expires,
                               boolean claimed) throws SQLException {
        try (PreparedStatement u = connection.prepareStatement(claimed
                ? "UPDATE leader_term SET term = ?, holder = ?, holder_url = ?, expires_at = ?, claimed_at = ? WHERE id = 1"
                : "UPDATE leader_term SET term = ?, holder = ?, holder_url = ?, expires_at = ? WHERE id = 1")) {
            u.setLong(1, term);
            u.setString(2, Jdbc.clip(name, 64));
            u.setString(3, Jdbc.clip(url, 500));
            u.setLong(4, expires);
            if (claimed) {
                u.setLong(5, now);
            }
            u.executeUpdate();
        }
    }

    /** Gives up {@code name}'s claim of {@code term} at once (a clean stop): another manager may lead now. */
    public void resign(String name, long term) throws SQLException {
        db.read(connection -> {
            try (PreparedStatement u = connection.prepareStatement(
                    "UPDATE leader_term SET expires_at = 0 WHERE id = 1 AND term = ? AND holder = ?")) {
                u.setLong(1, term);
                u.setString(2, Jdbc.clip(name, 64));
                u.executeUpdate();
            }
            return null;
        });
    }

    /** Records that {@code m} is alive, with what it sees. */
    public void heartbeat(Member m) throws SQLException {
        db.transaction(connection -> {
            try (PreparedStatement d = connection.prepareStatement("DELETE FROM manager_member WHERE name = ?");
                 PreparedStatement i = connection.prepareStatement("INSERT INTO manager_member (name, url, seen_at, term, "
                         + "is_leader, agents_reachable, agents) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                d.setString(1, Jdbc.clip(m.name(), 64));
                d.executeUpdate();
                i.setString(1, Jdbc.clip(m.name(), 64));
                i.setString(2, Jdbc.clip(m.url(), 500));
                i.setLong(3, m.seenAtMillis());
                i.setLong(4, m.term());
                i.setBoolean(5, m.leading());
                i.setInt(6, m.agentsReachable());
                i.setInt(7, m.agents());
                i.executeUpdate();
            }
            return null;
        });
    }

    /** Every manager that ever said it was alive, by name. */
    public List<Member> members() throws SQLException {
        return db.read(connection -> {
            List<Member> out = new ArrayList<>();
            try (PreparedStatement p = connection.prepareStatement("SELECT name, url, seen_at, term, is_leader, agents_reachable, "
                    + "agents FROM manager_member ORDER BY name");
                 ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    out.add(new Member(r.getString(1), r.getString(2), r.getLong(3), r.getLong(4), r.getBoolean(5), r.getInt(6),
                            r.getInt(7)));
                }
            }
            return out;
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
