package io.federa.manager.core.availability;

import io.federa.manager.core.events.Event;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.probe.ProbeBook;
import io.federa.manager.core.spec.Catalog;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Follows each service's state from one pass to the next: computes the pass's
 * {@link ServiceView} and says which services changed state. A service the view does not judge
 * yet (the gate: some agent has not answered since the manager started) keeps the state it was
 * last known in and records nothing. Pure and immutable.
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
    private final ServiceView view;

    private ServiceStates(Map<String, ServiceAvailability> current, ServiceView view) {
        this.current = Map.copyOf(current);
        this.view = view;
    }

    /** @param known each service's last recorded state (e.g. loaded from the store) */
    public static ServiceStates of(Map<String, ServiceAvailability> known) {
        return new ServiceStates(known, ServiceView.EMPTY);
    }

    /** Each service's last known state: judged by a pass, or loaded. */
    public Map<String, ServiceAvailability> current() {
        return current;
    }

    /** The view of the last step. */
    public ServiceView view() {
        return view;
    }

    /** The same states, with a view of what is known now: nothing is judged, nothing recorded. */
    public ServiceStates viewed(Catalog catalog, InventorySnapshot inventory, ServiceView.Asked asked) {
        return viewed(catalog, inventory, asked, ProbeBook.EMPTY);
    }

    /** As above, with what the applications' probes found. */
    public ServiceStates viewed(Catalog catalog, InventorySnapshot inventory, ServiceView.Asked asked, ProbeBook probes) {
        return new ServiceStates(current, ServiceView.of(catalog, inventory, asked, current, probes));
    }

    /** The next states, and the changes to record; services no longer defined are dropped. */
    public Step step(Catalog catalog, InventorySnapshot inventory, ServiceView.Asked asked, long nowMillis) {
        return step(catalog, inventory, asked, ProbeBook.EMPTY, nowMillis);
    }

    /** As above, with what the applications' probes found. */
    public Step step(Catalog catalog, InventorySnapshot inventory, ServiceView.Asked asked, ProbeBook probes, long nowMillis) {
        ServiceView v = ServiceView.of(catalog, inventory, asked, current, probes);
        if (catalog == null) {
            return new Step(new ServiceStates(current, v), List.of());
        }
        Map<String, ServiceAvailability> next = new LinkedHashMap<>();
        List<Change> changes = new ArrayList<>();
        Map<String, ServiceAvailability> judged = v.judgedStates();
        for (String service : catalog.services().keySet()) {
            ServiceAvailability a = judged.get(service);
            ServiceAvailability was = current.get(service);
            if (a == null) {
                if (was != null) {
                    next.put(service, was);
                }
                continue;
            }
            if (was == null || was.state() != a.state()) {
                changes.add(new Change(service, nowMillis, a));
            }
            next.put(service, a);
        }
        return new Step(new ServiceStates(next, v), changes);
    }

    /** The result of one step. */
    public record Step(ServiceStates states, List<Change> changes) {
        public Step {
            changes = List.copyOf(changes);
        }

        public ServiceView view() {
            return states.view();
        }
    }
}
