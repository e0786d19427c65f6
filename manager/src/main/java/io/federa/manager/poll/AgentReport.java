package io.federa.manager.poll;

import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.VmStatus;

import java.util.List;

/** What one poll of one agent brought back, whatever the transport: its host and its VMs. */
public record AgentReport(HostStatus host, List<VmStatus> vms) {
    public AgentReport {
        vms = List.copyOf(vms);
    }
}
