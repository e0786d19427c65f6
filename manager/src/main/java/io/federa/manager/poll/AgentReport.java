package io.federa.manager.poll;

import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.VmStatus;

import java.util.List;

/**
 * What one poll of one agent brought back, whatever the transport: its host and its VMs, and
 * whether the agent renewed the manager's lease with it.
 */
public record AgentReport(HostStatus host, List<VmStatus> vms, boolean leaseRenewed) {
    public AgentReport {
        vms = List.copyOf(vms);
    }

    /** A report that renewed no lease (SNMP, or a read-only poll). */
    public AgentReport(HostStatus host, List<VmStatus> vms) {
        this(host, vms, false);
    }
}
