package io.federa.manager.store;

import com.fasterxml.jackson.core.JacksonException;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.core.spec.CatalogValidator;
import io.federa.manager.spec.CatalogYaml;
import io.federa.manager.spec.StrictYaml;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where service definitions live: an embedded H2 file by default, or any JDBC URL (PostgreSQL
 * beyond one machine). Each accepted document is a new version; the previous ones are kept.
 * A document is validated before anything is written, so a refused one stores nothing.
 * Blocking (JDBC): callers on an event loop go through a worker. Applies are taken one at a time
 * (the next version is the latest plus one, and a deletion edits the latest); reads run beside them.
 */
public final class DefinitionStore implements AutoCloseable {
    /** One stored version: who applied what, when. */
    public record Version(int version, Instant appliedAt, String appliedBy, String change) {
    }

    /** The outcome of an apply: the new version, or the validation errors (nothing stored). */
    public record Applied(Optional<Version> version, CatalogValidator.Result validation) {
    }

    /** A stored version's catalog, kept so that reads do not parse its document again. */
    private record Parsed(int version, Catalog catalog) {
    }

    private final Database db;
    private final boolean ownsDatabase;
    private volatile Parsed latest;

    private DefinitionStore(Database db, boolean ownsDatabase) {
        this.db = db;
        this.ownsDatabase = ownsDatabase;
    }

    /** On a database the caller opened, and closes: closing this store leaves it open. */
    public static DefinitionStore on(Database db) {
        return new DefinitionStore(db, false);
    }

    /** An embedded H2 database in {@code file} (without its .mv.db suffix), created if needed; a pool of its own. */
    public static DefinitionStore openFile(java.nio.file.Path file) throws SQLException {
        return open(Jdbc.fileUrl(file), "", "");
    }

    /** With a pool of its own, closed with this store. */
    public static DefinitionStore open(String jdbcUrl, String user, String password) throws SQLException {
        return new DefinitionStore(Database.open(jdbcUrl, user, password, Database.OWN_POOL_SIZE, "federa-definitions"), true);
    }

    /** Validates and, if valid, stores the document as the next version. */
    public Applied apply(String document, String appliedBy, String change, Instant now) throws SQLException {
        return apply(document, CatalogYaml.parse(document), appliedBy, change, now);
    }

    /**
     * Stores the document as the next version if {@code parsed} — what {@link CatalogYaml#parse}
     * made of it, the caller having parsed it once — is valid. Its catalog is kept as the current
     * one: {@link #catalog} does not parse it again.
     */
    public synchronized Applied apply(String document, CatalogValidator.Result parsed, String appliedBy, String change,
                                      Instant now) throws SQLException {
        if (!parsed.ok()) {
            return new Applied(Optional.empty(), parsed);
        }
        int next = db.transaction(c -> {
            int n = latestVersion(c).map(Version::version).orElse(0) + 1;
            try (PreparedStatement p = c.prepareStatement(
                    "INSERT INTO definition_version (version, applied_at, applied_by, change, document) VALUES (?, ?, ?, ?, ?)")) {
                p.setInt(1, n);
                p.setTimestamp(2, Timestamp.from(now));
                p.setString(3, Jdbc.clip(appliedBy, 128));
                p.setString(4, Jdbc.clip(change, 512));
                p.setString(5, document);
                p.executeUpdate();
            }
            return n;
        });
        latest = new Parsed(next, parsed.catalog().get());
        return new Applied(Optional.of(new Version(next, now, Jdbc.clip(appliedBy, 128), Jdbc.clip(change, 512))), parsed);
    }

    /**
     * Removes one service from the current document and stores the result as the next version.
     * Its applications stay defined (another service may use them). Empty when there is no such
     * service.
     */
    @SuppressWarnings("unchecked")
    public synchronized Optional<Version> deleteService(String name, String by, Instant now) throws SQLException {
        Optional<String> current = current();
        if (current.isEmpty()) {
            return Optional.empty();
        }
        Object tree;
        try {
            tree = StrictYaml.read(current.get());
        } catch (JacksonException e) {
            throw new SQLException("the stored document no longer parses: " + StrictYaml.describe(e), e);
        }
        if (!(tree instanceof Map<?, ?> doc) || !(doc.get("services") instanceof List<?> list)
                || !((List<Object>) list).removeIf(s -> s instanceof Map<?, ?> m && name.equals(m.get("name")))) {
            return Optional.empty();
        }
        String next;
        try {
            next = StrictYaml.write(tree);
        } catch (JacksonException e) {
            throw new SQLException("cannot write the document without service " + name, e);
        }
        // The edited tree is checked as it is, not parsed again from the text just written.
        return apply(next, CatalogValidator.validate(tree), by, "deleted service " + name, now).version();
    }

    /**
     * The current catalog, if valid definitions were ever applied: the one this store kept when it
     * stored them, or parsed once when another manager stored a newer version (one query for the
     * latest version number per call, no parse while it is unchanged).
     */
    public Optional<Catalog> catalog() throws SQLException {
        int version = db.read(c -> {
            try (PreparedStatement p = c.prepareStatement("SELECT MAX(version) FROM definition_version");
                 ResultSet r = p.executeQuery()) {
                return r.next() ? r.getInt(1) : 0;
            }
        });
        if (version == 0) {
            return Optional.empty();
        }
        Parsed known = latest;
        if (known == null || known.version() != version) {
            Optional<Catalog> c = document(version).flatMap(d -> CatalogYaml.parse(d).catalog());
            if (c.isEmpty()) {
                return Optional.empty();
            }
            known = new Parsed(version, c.get());
            latest = known;
        }
        return Optional.of(known.catalog());
    }

    /** The current document, if any was ever applied. */
    public Optional<String> current() throws SQLException {
        return db.read(c -> {
            try (PreparedStatement p = c.prepareStatement("SELECT document FROM definition_version ORDER BY version DESC LIMIT 1");
                 ResultSet r = p.executeQuery()) {
                return r.next() ? Optional.of(r.getString(1)) : Optional.empty();
            }
        });
    }

    public Optional<String> document(int version) throws SQLException {
        return db.read(c -> {
            try (PreparedStatement p = c.prepareStatement("SELECT document FROM definition_version WHERE version = ?")) {
                p.setInt(1, version);
                try (ResultSet r = p.executeQuery()) {
                    return r.next() ? Optional.of(r.getString(1)) : Optional.empty();
                }
            }
        });
    }

    public List<Version> versions() throws SQLException {
        return db.read(DefinitionStore::versions);
    }

    private static List<Version> versions(Connection c) throws SQLException {
        List<Version> out = new ArrayList<>();
        try (PreparedStatement p = c.prepareStatement(
                "SELECT version, applied_at, applied_by, change FROM definition_version ORDER BY version");
             ResultSet r = p.executeQuery()) {
            while (r.next()) {
                out.add(new Version(r.getInt(1), r.getTimestamp(2).toInstant(), r.getString(3), r.getString(4)));
            }
        }
        return out;
    }

    private static Optional<Version> latestVersion(Connection c) throws SQLException {
        List<Version> all = versions(c);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /** Closes the pool when this store opened it. */
    @Override
    public void close() {
        if (ownsDatabase) {
            db.close();
        }
    }
}
