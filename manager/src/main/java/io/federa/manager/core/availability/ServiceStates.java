package io.federa.manager.core.availability;

import io.federa.manager.core.events.Event;
import io.federa.manager.core.inventory.AgentHealth;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.spec.Catalog;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Follows each service's state from one inventory to the next and says when it changes. Until
 * every agent has answered or missed enough polls to be judged, nothing is decided: a manager that
 * just started knows no VMs yet and must not record every service DOWN. Pure and immutable.
 */
public final class ServiceStates {
    /** A service entered a state, with the reasons. */
    public record Change(String service, long atMillis, ServiceAvailability availability) {
        public Event event() {
            ServiceAvailability.State s = availability.state();
            Event.Severity sev = s == ServiceAvailability.State.DOWN ? Event.Severity.CRITICAL
                    : s == ServiceAvailability.State.DEGRADED ? Event.Severity.WARNING : Event.Severity.INFO;
            String why = availability.reasons().isEmpty() ? "" : ": " + String.join(" | ", availability.reasons());
            return new Event(atMillis, sev, Event.SERVICE_STATE, service, "service " + service + " is " + s + why);
        }
    }

    private final Map<String, ServiceAvailability> current;

    private ServiceStates(Map<String, ServiceAvailability> current) {
        this.current = Map.copyOf(current);
    }

    /** @param known each service's last recorded state (e.g. loaded from the store) */
    public static ServiceStates of(Map<String, ServiceAvailability> known) {
        return new ServiceStates(known);
    }

    public Map<String, ServiceAvailability> current() {
        return current;
    }

    /** The next states, and the changes to record; services no longer defined are dropped. */
    public Step step(Catalog catalog, InventorySnapshot inventory, long nowMillis) {
        if (catalog == null || inventory.agents().values().stream()
                .anyMatch(e -> e.health().state() == AgentHealth.State.UNKNOWN)) {
            return new Step(this, List.of());
        }
        List<InstanceStatus> instances = Instances.of(inventory);
        Map<String, ServiceAvailability> next = new LinkedHashMap<>();
        List<Change> changes = new ArrayList<>();
        for (String service : catalog.services().keySet()) {
            ServiceAvailability a = AvailabilityEvaluator.evaluate(catalog, service, instances);
            ServiceAvailability was = current.get(service);
            if (was == null || was.state() != a.state()) {
                changes.add(new Change(service, nowMillis, a));
            }
            next.put(service, a);
        }
        return new Step(new ServiceStates(next), changes);
    }

    /** The result of one step. */
    public record Step(ServiceStates states, List<Change> changes) {
        public Step {
            changes = List.copyOf(changes);
        }
    }
}
