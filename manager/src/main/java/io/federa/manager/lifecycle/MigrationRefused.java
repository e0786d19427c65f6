package io.federa.manager.lifecycle;

/**
 * A migration or drain the manager will not start, and why; {@code field} names the part of the
 * request at fault, and {@code notFound} says it named something that does not exist.
 */
public final class MigrationRefused extends Exception {
    private static final long serialVersionUID = 1L;
    private final String field;
    private final boolean notFound;

    public MigrationRefused(String field, String message, boolean notFound) {
        super(message, null, false, false);
        this.field = field;
        this.notFound = notFound;
    }

    public String field() {
        return field;
    }

    public boolean notFound() {
        return notFound;
    }
}
