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

    /**
     * Managed VMs an agent powered off for want of a lease between two of its polls that answered:
     * how many, and the reason of the latest fencing (lease_expired, cut_off, isolated,
     * active_without_lease, agent_start).
     */
    public record Fenced(String agent, String hostId, long count, String reason) {
    }

    /**
     * What the agents fenced between two inventories, from their fenced-VM counters: the counter's
     * growth, or all of it when it went down (the agent restarted, and counts from 0 again). An
     * agent seen for the first time sets the baseline and tells nothing.
     */
    public static List<Fenced> fenced(InventorySnapshot before, InventorySnapshot after) {
        List<Fenced> out = new ArrayList<>();
        for (InventorySnapshot.Entry now : after.agents().values()) {
            InventorySnapshot.Entry was = before.agents().get(now.agent());
            if (was == null || was.host().isEmpty() || now.host().isEmpty() || !now.reachable()) {
                continue;
            }
            long from = was.host().get().fencedVms();
            long to = now.host().get().fencedVms();
            long count = to >= from ? to - from : to;
            if (count > 0) {
                out.add(new Fenced(now.agent(), now.host().get().hostId(), count, now.host().get().lastFenceReason()));
            }
        }
        return out;
    }

    public static List<Event> between(InventorySnapshot before, InventorySnapshot after, long nowMillis) {
        List<Event> out = new ArrayList<>();
        for (Fenced f : fenced(before, after)) {
            out.add(new Event(nowMillis, Event.Severity.WARNING, Event.VM_FENCED, f.agent(), "agent " + f.agent() + " (host "
                    + f.hostId() + ") powered off " + f.count() + " managed VM" + (f.count() == 1 ? "" : "s")
                    + " for want of a lease (" + (f.reason().isEmpty() ? "reason not told" : f.reason()) + ")"));
        }
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
            if (was != null && was.host().isPresent() && now.reachable() && was.vms() != now.vms()) {
                vmChanges(was.vms(), now.vms(), nowMillis, out);
            }
        }
        return out;
    }

    /**
     * Run every interval over every VM of the fleet: an agent's VMs usually come in the same order
     * poll after poll, and are then compared in place, without a map of them.
     */
    private static void vmChanges(List<VmStatus> was, List<VmStatus> now, long at, List<Event> out) {
        if (sameNames(was, now)) {
            for (int i = 0; i < now.size(); i++) {
                stateChange(was.get(i), now.get(i), at, out);
            }
            return;
        }
        Map<String, VmStatus> before = new LinkedHashMap<>();
        was.forEach(v -> before.put(v.name(), v));
        for (VmStatus v : now) {
            VmStatus prev = before.remove(v.name());
            if (prev == null) {
                out.add(new Event(at, Event.Severity.INFO, Event.VM_APPEARED, v.host() + "/" + v.name(),
                        "VM " + v.name() + " appeared on " + v.host() + " (" + v.state() + ")"));
            } else {
                stateChange(prev, v, at, out);
            }
        }
        for (VmStatus gone : before.values()) {
            out.add(new Event(at, Event.Severity.WARNING, Event.VM_GONE, gone.host() + "/" + gone.name(),
                    "VM " + gone.name() + " is no longer on " + gone.host() + " (was " + gone.state() + ")"));
        }
    }

    private static boolean sameNames(List<VmStatus> was, List<VmStatus> now) {
        if (was.size() != now.size()) {
            return false;
        }
        for (int i = 0; i < now.size(); i++) {
            String a = was.get(i).name();
            String b = now.get(i).name();
            if (a != b && !a.equals(b)) {
                return false;
            }
        }
        return true;
    }

    private static void stateChange(VmStatus prev, VmStatus v, long at, List<Event> out) {
        if (prev.state() != v.state() && !prev.state().equals(v.state())) {
            boolean worse = prev.running() && !v.running();
            out.add(new Event(at, worse ? Event.Severity.WARNING : Event.Severity.INFO, Event.VM_STATE, v.host() + "/" + v.name(),
                    "VM " + v.name() + " on " + v.host() + ": " + prev.state() + " → " + v.state()));
        }
    }
}
