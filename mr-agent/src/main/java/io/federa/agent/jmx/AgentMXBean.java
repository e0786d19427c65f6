package io.federa.agent.jmx;

import java.util.List;

/**
 * {@code federa:type=Agent}: the commands the manager gives this host. Each answers once a fresh
 * sample shows its effect; a refused command says why and changes nothing.
 */
public interface AgentMXBean {
    /**
     * Defines a VM from a JSON spec: {@code {"name","application","service","vcpus","memoryMiB","diskGiB"}},
     * and optionally {@code "uuid"} to keep an identity, {@code "diskFormat"} and {@code "ports"}
     * (guest TCP ports to forward, see {@code VirtualMachineMXBean.getEndpoints}). Returns the VM's UUID.
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
     * JSON {@code {"operationId","action","vm","epoch","outcome","uuid"?,"replayed"}}. Actions:
     * define, start, shutdown, destroy, undefine and remove (deletes a shut-off VM's data under
     * {@code vms/<uuid>}, then undefines it; "already" when no VM has that name). A retry
     * with the same operationId is answered from the first attempt and does nothing; an epoch
     * older than the VM's is refused; a start needs a valid lease. See docs/agent.md.
     */
    String execute(String commandJson);

    /**
     * Offers a shut-off VM's data to one destination agent:
     * {@code {"migrationId","attempt","uuid","vm","token"}} → {@code {"migrationId","attempt","uuid",
     * "files","bytes","dataBytes","url"}}. The token (16–128 of {@code [A-Za-z0-9_-]}) is good for
     * one GET of the url, of this uuid, within 10 minutes; a newer attempt's token replaces an
     * older one's. Refused when there is no data for the uuid here or a domain with it runs.
     */
    String offerData(String json);

    /**
     * Starts pulling a VM's data from a source agent in the background:
     * {@code {"migrationId","attempt","uuid","vm","url","token","dataBytes"}} → the status as
     * {@link #transferStatus} answers it. The same attempt again answers its status; a newer
     * attempt cancels the older. Refused when a domain with the uuid is defined here or the disk
     * has less room than dataBytes.
     */
    String importData(String json);

    /**
     * The import of a migration here: {@code {"migrationId","attempt","uuid","phase","bytesDone",
     * "bytesTotal","rateBytesPerSecond","elapsedMillis","sha256"?,"error"?}}, phase RUNNING,
     * VERIFIED (kept across restarts), FAILED or UNKNOWN.
     */
    String transferStatus(String migrationId);

    /**
     * Cancels a migration's import, deletes its partial copy, its completion record and
     * {@code vms/<uuid>}: {@code {"migrationId","uuid"}} → {@code {"migrationId","uuid","deleted"}}.
     * Refused while a domain with the uuid is defined here.
     */
    String discardData(String json);

    /** Transfers of VMs' data in progress, then the last 20 finished. */
    List<TransferInfo> getTransfers();

    /**
     * Grants or extends the host's lease from the leading manager's signed statement
     * {@code {"lease": "<statement>", "signature": "<base64>"}}; {@code member} is this host's name
     * in the statement's fleet. Answers {@code {"remainingMillis","fleetVersion","term"}}; a term
     * older than one seen is refused. The lease counts from when the renewal is read, with no
     * bound: the form of managers that send none (see {@link #renewLeaseBefore}). See docs/lifecycle.md.
     */
    String renewLease(String statement, String member);

    /**
     * The same, granting a lease that ends no later than {@code latestEndMillis} (the manager's wall
     * clock, ms since the epoch: its poll's deadline plus the lease, less the clock skew allowed);
     * a renewal read after that is refused with {@code LATE_RENEWAL}. What managers send.
     */
    String renewLeaseBefore(String statement, String member, long latestEndMillis);

    /** The highest leader term this host has seen; 0 before any. */
    long getLeaseTerm();

    /**
     * While no manager renews the lease: what the peers said last (MANAGERS_AWAY, CUT_OFF or
     * ISOLATED, with the reason); empty otherwise.
     */
    String getPeerVerdict();

    /** Milliseconds left on the peers' grant to keep managed VMs running while the managers are away. */
    long getPeerGrantRemainingMillis();

    /** Milliseconds left on the host's lease; 0 when it holds none. */
    long getLeaseRemainingMillis();

    /** Who renewed the lease that is held now; empty when none is held. */
    String getLeaseHolder();

    /** Managed VMs powered off for want of a lease since the agent started. */
    long getFencedVms();
}
