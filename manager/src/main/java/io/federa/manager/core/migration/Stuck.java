package io.federa.manager.core.migration;

import java.util.Optional;

/**
 * When a migration is stuck: not finished, and neither a change of phase nor progress in its
 * copy for {@code afterMillis} ({@link Migration#stalledMillis}, the value
 * federa_migration_stalled_seconds exports and FederaMigrationStuck alerts on). A move waiting its turn (REQUESTED) counts too: an operator asked
 * for it and nothing happens. A copy that moves bytes is never stuck, however long it takes.
 */
public final class Stuck {
    private Stuck() {
    }

    /** Why {@code m} is stuck at {@code nowMillis}, or empty when it is not. */
    public static Optional<String> reason(Migration m, long nowMillis, long afterMillis) {
        if (m.phase().finished()) {
            return Optional.empty();
        }
        long idle = m.stalledMillis(nowMillis);
        if (idle < afterMillis) {
            return Optional.empty();
        }
        String note = m.note().isEmpty() ? "" : ": " + m.note();
        return Optional.of(m.phase().word() + " for " + idle / 1000 + " s without progress"
                + (m.failures() > 0 ? ", " + m.failures() + " failed steps" : "") + note);
    }
}
