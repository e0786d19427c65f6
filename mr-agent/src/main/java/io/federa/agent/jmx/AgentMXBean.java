package io.federa.agent.jmx;

/**
 * {@code federa:type=Agent}: the commands the manager gives this host. Each answers once a fresh
 * sample shows its effect; a refused command says why and changes nothing.
 */
public interface AgentMXBean {
    /**
     * Defines a VM from a JSON spec: {@code {"name","application","service","vcpus","memoryMiB","diskGiB"}},
     * and optionally {@code "uuid"} to keep an identity. Returns the VM's UUID.
     */
    String defineVm(String specJson);

    String startVm(String name);

    /** Asks the guest to shut down cleanly. */
    String shutdownVm(String name);

    /** Powers the VM off at once. */
    String destroyVm(String name);

    /** Removes a shut-off VM's definition; its data stays. */
    String undefineVm(String name);

    /**
     * The manager's way in: {@code {"operationId","action","vm","epoch","spec"?}} → the result as
     * JSON {@code {"operationId","action","vm","epoch","outcome","uuid"?,"replayed"}}. A retry
     * with the same operationId is answered from the first attempt and does nothing; an epoch
     * older than the VM's is refused; a start needs a valid lease. See docs/agent.md.
     */
    String execute(String commandJson);

    /** Grants or extends the host's lease for 1,000 to 600,000 ms from now; returns the remaining millis. */
    long renewLease(String holder, long durationMillis);

    /** Milliseconds left on the host's lease; 0 when it holds none. */
    long getLeaseRemainingMillis();

    /** Who renewed the lease that is held now; empty when none is held. */
    String getLeaseHolder();

    /** Managed VMs powered off for want of a lease since the agent started. */
    long getFencedVms();
}
