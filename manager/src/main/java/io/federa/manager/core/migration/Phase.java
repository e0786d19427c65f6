package io.federa.manager.core.migration;

/**
 * Where a migration is. The happy path runs REQUESTED → STOPPING → COPYING → DEFINING → STARTING →
 * VERIFYING → CLEANUP → DONE; a failure before STARTING goes through ROLLING_BACK to ROLLED_BACK.
 * STARTING is the point of no return: from there on the source's copy is never started again. A
 * move that ends while REQUESTED, having touched nothing, is NOT_STARTED.
 */
public enum Phase {
    /** Waiting for its turn: a destination, the service's minimum, a drain's order. Nothing touched yet. */
    REQUESTED,
    /** The source shuts the VM down. */
    STOPPING,
    /** The destination pulls the VM's data from the source and verifies its digest. */
    COPYING,
    /** The destination defines the VM with the same identity and labels, under the next epoch. */
    DEFINING,
    /** The instance now belongs to the destination, which starts the VM. */
    STARTING,
    /** The VM must stay running at the destination for the settle period. */
    VERIFYING,
    /** The source deletes its copy of the data and undefines the VM. */
    CLEANUP,
    DONE,
    /** The VM starts again at the source; the destination's partial copy goes. */
    ROLLING_BACK,
    ROLLED_BACK,
    /** It ended before it began: nothing was touched (the VM vanished, no host takes it, the destination refuses it). */
    NOT_STARTED;

    public boolean finished() {
        return this == DONE || this == ROLLED_BACK || this == NOT_STARTED;
    }

    /** From this phase on the destination may have run the VM: the source's copy must never start again. */
    public boolean committed() {
        return this == STARTING || this == VERIFYING || this == CLEANUP || this == DONE;
    }

    /** The lower-case word used in operation ids, events and the CLI. */
    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
