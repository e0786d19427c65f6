package io.federa.manager.core.events;

import io.federa.manager.core.inventory.AgentHealth;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.VmStatus;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The events between two inventories: agents lost and found, VMs that appeared, changed state or
 * went away. A host that stops answering keeps its last VMs in the inventory, so its VMs raise no
 * events of their own; its agent's event says it all. Pure.
 */
public final class InventoryChanges {
    private InventoryChanges() {
    }

    public static List<Event> between(InventorySnapshot before, InventorySnapshot after, long nowMillis) {
        List<Event> out = new ArrayList<>();
        for (InventorySnapshot.Entry now : after.agents().values()) {
            InventorySnapshot.Entry was = before.agents().get(now.agent());
            AgentHealth.State from = was == null ? AgentHealth.State.UNKNOWN : was.health().state();
            AgentHealth.State to = now.health().state();
            if (from != to && to == AgentHealth.State.UNREACHABLE) {
                out.add(new Event(nowMillis, Event.Severity.CRITICAL, Event.AGENT_UNREACHABLE, now.agent(),
                        "agent " + now.agent() + " is unreachable since " + java.time.Instant.ofEpochMilli(now.health().sinceMillis())
                                + " after " + now.health().consecutiveMisses() + " missed polls: " + now.health().reason()));
            } else if (from != to && to == AgentHealth.State.REACHABLE) {
                out.add(new Event(nowMillis, Event.Severity.INFO, Event.AGENT_REACHABLE, now.agent(),
                        from == AgentHealth.State.UNREACHABLE ? "agent " + now.agent() + " answers again"
                                : "agent " + now.agent() + " answers (" + now.vms().size() + " VMs)"));
            }
            if (was != null && was.host().isPresent() && now.reachable()) {
                vmChanges(was.vms(), now.vms(), nowMillis, out);
            }
        }
        return out;
    }

    private static void vmChanges(List<VmStatus> was, List<VmStatus> now, long at, List<Event> out) {
        Map<String, VmStatus> before = new LinkedHashMap<>();
        was.forEach(v -> before.put(v.name(), v));
        for (VmStatus v : now) {
            VmStatus prev = before.remove(v.name());
            String subject = v.host() + "/" + v.name();
            if (prev == null) {
                out.add(new Event(at, Event.Severity.INFO, Event.VM_APPEARED, subject,
                        "VM " + v.name() + " appeared on " + v.host() + " (" + v.state() + ")"));
            } else if (!prev.state().equals(v.state())) {
                boolean worse = prev.running() && !v.running();
                out.add(new Event(at, worse ? Event.Severity.WARNING : Event.Severity.INFO, Event.VM_STATE, subject,
                        "VM " + v.name() + " on " + v.host() + ": " + prev.state() + " → " + v.state()));
            }
        }
        for (VmStatus gone : before.values()) {
            out.add(new Event(at, Event.Severity.WARNING, Event.VM_GONE, gone.host() + "/" + gone.name(),
                    "VM " + gone.name() + " is no longer on " + gone.host() + " (was " + gone.state() + ")"));
        }
    }
}
