package io.federa.manager.poll;

import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.VmStatus;

import java.util.List;

/**
 * What one poll of one agent brought back, whatever the transport: its host and its VMs, and
 * what the agent answered to the lease renewal that came with it (none on a read-only poll).
 */
public record AgentReport(HostStatus host, List<VmStatus> vms, LeaseAnswer lease) {
    /**
     * The agent's answer to a renewal: whether it renewed, the fleet version it knows and where its
     * peers ask it for its statement; or why it refused (a deposed leader's term, a bad signature).
     */
    public record LeaseAnswer(boolean renewed, String fleetVersion, String peerUrl, String refusal) {
        public static final LeaseAnswer NONE = new LeaseAnswer(false, "", "", "");
    }

    public AgentReport {
        vms = List.copyOf(vms);
    }

    /** A report that renewed no lease (SNMP, or a read-only poll). */
    public AgentReport(HostStatus host, List<VmStatus> vms) {
        this(host, vms, LeaseAnswer.NONE);
    }

    public boolean leaseRenewed() {
        return lease.renewed();
    }
}
