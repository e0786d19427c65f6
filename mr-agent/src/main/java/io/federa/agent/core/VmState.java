package io.federa.agent.core;

/**
 * The operational state of a VM as Federa reports it, mapped from the hypervisor's own states.
 * Names match what the manager and the NOC see.
 */
public enum VmState {
    /** The hypervisor could not say. */
    UNKNOWN,
    RUNNING,
    PAUSED,
    /** A graceful shutdown is in progress. */
    SHUTTING_DOWN,
    /** Defined but not running. */
    SHUT_OFF,
    CRASHED,
    /** Suspended by guest power management. */
    PM_SUSPENDED;

    public boolean isActive() {
        return this == RUNNING || this == PAUSED || this == SHUTTING_DOWN || this == PM_SUSPENDED;
    }
}
