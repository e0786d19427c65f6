package io.federa.manager.core.migration;

/**
 * Why a move waits in REQUESTED, or why it ended NOT_STARTED, as code reads it; the migration's
 * note says the same for people, with the host, the rule and the numbers. One constant per rule of
 * {@link Admission}, in the order it checks them.
 */
public enum AdmissionCode {
    /** {@code migration.concurrent} moves are in flight already. */
    CONCURRENCY(true),
    /** A move queued before it by the same drain has not begun (dependencies move first). */
    DRAIN_ORDER(true),
    /** The VM was put elsewhere, or under another epoch, since the move was asked. */
    NOT_ON_SOURCE(false),
    /** A lifecycle step on the VM is in flight. */
    LIFECYCLE_STEP(true),
    /** An agent has not answered since the manager started: placement would take its host for lost. */
    AGENT_UNHEARD(true),
    /** The source's agent does not answer: the data cannot be copied. */
    SOURCE_UNREACHABLE(true),
    /** The source no longer reports the VM. */
    VM_GONE(false),
    /** The VM's application is no longer defined. */
    APPLICATION_UNDEFINED(false),
    /**
     * Moving the VM now would leave its application with fewer than {@code minAvailable} instances
     * running, and the operator did not allow downtime.
     */
    MIN_AVAILABLE(true),
    /** The destination the operator asked for refuses the VM (a placement rule, or it is closed). */
    DESTINATION_REFUSED(false),
    /** No host but the source takes the VM. */
    NO_HOST_FITS(false);

    private final boolean waits;

    AdmissionCode(boolean waits) {
        this.waits = waits;
    }

    /** Whether the move waits (it may begin later) rather than ends without beginning. */
    public boolean waits() {
        return waits;
    }
}
