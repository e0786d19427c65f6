package io.federa.manager.core.events;

import io.federa.manager.core.migration.Migration;
import io.federa.manager.core.scaling.ScalingDecision;

/**
 * What the lifecycle did that a station wants to hear of, as values rather than event text
 * (the events say the same in sentences). Called on the lifecycle's event loop, by the leading
 * manager only: hand anything slow to another thread.
 */
public interface Notices {
    Notices NONE = new Notices() {
    };

    /** A migration ended: done, rolled back, or not started. */
    default void migrationFinished(Migration m) {
    }

    /** A migration has made no progress for the configured time (told once per phase it sticks in). */
    default void migrationStuck(Migration m, String reason) {
    }

    /**
     * An agent powered off {@code count} managed VMs for want of a lease since the last poll that
     * answered (told by the history, from the agents' polls).
     */
    default void vmsFenced(InventoryChanges.Fenced f) {
    }

    /** The lifecycle decided to scale an application out or in. */
    default void scaled(ScalingDecision d) {
    }
}
