package io.federa.manager.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;

/**
 * The store's database, opened once: its schema brought up to date ({@link Schema}, Flyway), then
 * a small pool of connections (HikariCP) that the stores borrow for one operation at a time. The
 * pool checks a connection before lending it when it has been idle (and every two minutes when it
 * is not used), drops one that broke and opens another, so a PostgreSQL server that restarts under
 * a running manager costs the operations attempted while it is down, not the manager: those fail
 * with {@link StoreUnavailableException}, and the ones after it succeed on new connections.
 * Blocking (JDBC): callers on an event loop go through a worker.
 */
public final class Database implements AutoCloseable {
    /**
     * The pool of a store opened on its own ({@code DefinitionStore.open}…: tools, tests); the
     * manager opens one pool of store.poolSize connections that its stores share.
     */
    static final int OWN_POOL_SIZE = 2;

    /**
     * How long an operation waits for a connection before it fails: a database that does not
     * answer within it is reported unreachable (a worker thread is held at most this long).
     */
    static final long BORROW_TIMEOUT_MILLIS = 5_000;

    private static final java.util.Set<String> SERVER_DOWN = java.util.Set.of("57P01", "57P02", "57P03");

    private final HikariDataSource pool;
    private final String where;

    private Database(HikariDataSource pool, String where) {
        this.pool = pool;
        this.where = where;
    }

    /** An embedded H2 database in {@code file} (without its .mv.db suffix), created if needed. */
    public static Database openFile(Path file, int poolSize, String name) throws SQLException {
        return open(Jdbc.fileUrl(file), "", "", poolSize, name);
    }

    /**
     * Migrates the database at {@code jdbcUrl}, then opens a pool of {@code poolSize} connections
     * to it named {@code name} (in HikariCP's log lines).
     */
    public static Database open(String jdbcUrl, String user, String password, int poolSize, String name) throws SQLException {
        return open(jdbcUrl, user, password, poolSize, name, BORROW_TIMEOUT_MILLIS);
    }

    /** The same, an operation waiting at most {@code borrowTimeoutMillis} for a connection (tests: less waiting). */
    static Database open(String jdbcUrl, String user, String password, int poolSize, String name, long borrowTimeoutMillis)
            throws SQLException {
        if (poolSize < 1) {
            throw new IllegalArgumentException("a pool needs at least one connection, got " + poolSize);
        }
        String where = jdbcUrl.startsWith("jdbc:h2:") ? jdbcUrl.replaceFirst(";.*", "") : jdbcUrl;
        try {
            Schema.migrate(jdbcUrl, user, password);
        } catch (SQLException e) {
            throw connectionFailure(e) ? unavailable(false, "cannot be reached", where, e) : e;
        }
        HikariConfig c = new HikariConfig();
        c.setPoolName(name);
        c.setJdbcUrl(jdbcUrl);
        c.setUsername(user);
        c.setPassword(password);
        c.setMaximumPoolSize(poolSize);
        c.setConnectionTimeout(borrowTimeoutMillis);
        c.setValidationTimeout(Math.min(borrowTimeoutMillis, 3_000));
        c.setAutoCommit(true);
        c.setRegisterMbeans(false);
        try {
            return new Database(new HikariDataSource(c), where);
        } catch (HikariPool.PoolInitializationException e) {
            SQLException cause = e.getCause() instanceof SQLException s ? s : new SQLException(e.getMessage(), "08001", e);
            throw unavailable(false, "cannot be reached", where, cause);
        }
    }

    /** One operation on a connection of the pool. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code work} on a connection in auto-commit mode (reads, and writes of one statement). */
    <T> T read(Work<T> work) throws SQLException {
        Connection c = borrow("cannot be reached");
        try {
            return work.run(c);
        } catch (SQLException e) {
            throw connectionFailure(e) ? unavailable(true, "was lost", where, e) : e;
        } finally {
            release(c);
        }
    }

    /**
     * Runs {@code work} in one transaction: committed when it returns, rolled back when it throws.
     * A connection that breaks before the commit leaves nothing written; one that breaks during
     * the commit leaves the write's fate to the database, and the exception says so.
     */
    <T> T transaction(Work<T> work) throws SQLException {
        Connection c = borrow("cannot be reached: nothing was written");
        try {
            T out;
            try {
                c.setAutoCommit(false);
                out = work.run(c);
            } catch (SQLException | RuntimeException e) {
                rollback(c, e);
                if (e instanceof SQLException s && connectionFailure(s)) {
                    throw unavailable(true, "was lost during a write: nothing was written", where, s);
                }
                throw e;
            }
            try {
                c.commit();
            } catch (SQLException e) {
                if (connectionFailure(e)) {
                    throw unavailable(true, "was lost while a write committed: it is written only if the database had "
                            + "committed it", where, e);
                }
                rollback(c, e);
                throw e;
            }
            return out;
        } finally {
            release(c);
        }
    }

    private Connection borrow(String unreachable) throws SQLException {
        try {
            return pool.getConnection();
        } catch (SQLException e) {
            throw connectionFailure(e) ? unavailable(false, unreachable, where, e) : e;
        }
    }

    /**
     * Gives the connection back. What closing it says never changes the operation's outcome,
     * already decided (committed or not): the pool drops a connection that broke.
     */
    private static void release(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            // The pool has evicted it.
        }
    }

    private static void rollback(Connection c, Exception failure) {
        try {
            c.rollback();
        } catch (SQLException r) {
            failure.addSuppressed(r);
        }
    }

    /**
     * Whether {@code e} (or what caused it) says the connection to the database failed: SQLSTATE
     * class 08, or the server going down (57P01 "terminating connection due to administrator
     * command", what a connection lent just before a restart reads first; 57P02 crash; 57P03
     * "the database system is starting up" or "shutting down"). The pool drops such a connection.
     */
    static boolean connectionFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException
                    || t instanceof SQLException s && s.getSQLState() != null && (s.getSQLState().startsWith("08")
                    || SERVER_DOWN.contains(s.getSQLState()))) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    private static StoreUnavailableException unavailable(boolean connectionLost, String what, String where,
                                                         SQLException e) {
        String subject = connectionLost ? "the connection to the store's database at " : "the store's database at ";
        return new StoreUnavailableException(subject + where + " " + what + " (" + rootMessage(e) + ")", e);
    }

    /** The deepest message: the driver's reason rather than the pool's "connection is not available". */
    private static String rootMessage(Throwable e) {
        String message = e.getMessage();
        for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t.getMessage();
            }
        }
        return message == null ? e.getClass().getSimpleName() : message;
    }

    @Override
    public void close() {
        pool.close();
    }

    @Override
    public String toString() {
        return "Database[" + where + "]";
    }
}
