package io.federa.manager.core.availability;

import io.federa.manager.core.inventory.AgentHealth;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.lifecycle.DesiredState;
import io.federa.manager.core.lifecycle.Headcount;
import io.federa.manager.core.lifecycle.Plan;
import io.federa.manager.core.probe.ProbeBook;
import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.core.spec.ServiceSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Every service as one pass sees it, computed once and read by every adapter — the API, the
 * metrics, the history and, through the metrics, the alerts — so that none of them counts or
 * judges again, and they cannot disagree.
 *
 * <p>Per service: whether it is meant to run, its state and the reasons for it. A service nobody
 * started, or one stopped on purpose, is STOPPED whatever runs. A started one is DOWN when some
 * application has fewer instances running than its floor (its {@code minAvailable}, or its wanted
 * count where a scaling policy's {@code min} is lower), DEGRADED when all reach their floor but
 * some run fewer than they want (the scaling target in force, else {@code replicas}), UP
 * otherwise. A shared application counts for every service that uses it.
 *
 * <p>Per application: its {@link Headcount}, its instances, and what the last reconcile pass held
 * back for it, with the kind of wait.
 *
 * <p>The gate: until every agent has answered or missed enough polls to be judged, a started
 * service is not judged; it keeps the state it was last known in (a manager that just started
 * knows no VMs yet and must not say every service is DOWN), or has no state when none is known.
 * A stopped service needs no inventory to be judged, only its desired state: until those are
 * read, no service is. Pure: the same inputs give the same view.
 */
public final class ServiceView {
    /**
     * What operators and the lifecycle asked, as of this pass.
     *
     * @param known   whether the desired states were read (from the store, at the start): until then
     *                no service is judged, not even STOPPED — a service absent from {@code desired} was
     *                never started, which an unread store cannot tell
     * @param desired each service's desired state; a service absent was never started
     * @param targets the scaling targets in force, by application
     * @param waits   what the last reconcile pass held back
     */
    public record Asked(boolean known, Map<String, DesiredState> desired, Map<String, Integer> targets, List<Plan.Wait> waits) {
        /** Nothing asked: every service reads STOPPED. */
        public static final Asked NOTHING = new Asked(true, Map.of(), Map.of(), List.of());
        /** The desired states not read yet. */
        public static final Asked UNREAD = new Asked(false, Map.of(), Map.of(), List.of());

        public Asked {
            desired = Map.copyOf(desired);
            targets = Map.copyOf(targets);
            waits = List.copyOf(waits);
        }
    }

    /** One application of a service. */
    public record Application(String name, Headcount headcount, List<InstanceStatus> instances, List<Plan.Wait> waiting) {
        public Application {
            instances = List.copyOf(instances);
            waiting = List.copyOf(waiting);
        }
    }

    /**
     * One service.
     *
     * @param desiredRunning whether an operator asked it to run ({@code federa start}) and not to stop since
     * @param state          empty only for a started service not judged yet with no state known before
     * @param judged         false while the gate holds a started service at the state it was last known in
     */
    public record Service(String name, boolean desiredRunning, Optional<ServiceAvailability.State> state, List<String> reasons,
                          List<Application> applications, boolean judged) {
        public Service {
            Objects.requireNonNull(state, "state");
            reasons = List.copyOf(reasons);
            applications = List.copyOf(applications);
        }

        public Optional<Application> application(String name) {
            return applications.stream().filter(a -> a.name().equals(name)).findFirst();
        }

        /** The state and reasons, as the history records them; empty when no state is known. */
        public Optional<ServiceAvailability> availability() {
            return state.map(s -> new ServiceAvailability(name, s, reasons));
        }
    }

    public static final ServiceView EMPTY = new ServiceView(Map.of(), "no definitions applied yet");

    private final Map<String, Service> services;
    private final String pending;

    private ServiceView(Map<String, Service> services, String pending) {
        this.services = services;
        this.pending = pending;
    }

    /**
     * The view of one pass.
     *
     * @param held each service's last known state, kept by a started service while the gate holds
     */
    public static ServiceView of(Catalog catalog, InventorySnapshot inventory, Asked asked, Map<String, ServiceAvailability> held) {
        return of(catalog, inventory, asked, held, ProbeBook.EMPTY);
    }

    /**
     * The view of one pass, with what the applications' probes found: an instance of a probed
     * application counts as running only while its probe says it serves.
     */
    public static ServiceView of(Catalog catalog, InventorySnapshot inventory, Asked asked, Map<String, ServiceAvailability> held,
                                 ProbeBook probes) {
        if (catalog == null) {
            return EMPTY;
        }
        List<String> unheard = inventory.agents().values().stream()
                .filter(e -> e.health().state() == AgentHealth.State.UNKNOWN).map(InventorySnapshot.Entry::agent).sorted().toList();
        String pending = !asked.known() ? "not judged yet: the desired states are not read yet"
                : unheard.isEmpty() ? "" : "not judged yet: no answer from " + String.join(", ", unheard) + " since the manager started";
        Map<String, List<InstanceStatus>> byApp = Instances.of(inventory, catalog, probes).stream()
                .collect(Collectors.groupingBy(InstanceStatus::application));
        Map<String, Application> apps = new LinkedHashMap<>();
        for (ApplicationSpec app : catalog.applications().values()) {
            List<InstanceStatus> mine = byApp.getOrDefault(app.name(), List.of());
            int running = (int) mine.stream().filter(InstanceStatus::running).count();
            apps.put(app.name(), new Application(app.name(), Headcount.of(app, running, asked.targets()), mine,
                    asked.waits().stream().filter(w -> w.application().equals(app.name())).toList()));
        }
        Map<String, Service> out = new LinkedHashMap<>();
        for (ServiceSpec s : catalog.services().values()) {
            List<Application> mine = s.applications().stream().map(apps::get).toList();
            boolean started = asked.desired().getOrDefault(s.name(), DesiredState.STOPPED) == DesiredState.STARTED;
            ServiceAvailability was = held.get(s.name());
            if (asked.known() && !started) {
                out.put(s.name(), new Service(s.name(), false, Optional.of(ServiceAvailability.State.STOPPED), List.of(), mine, true));
            } else if (!pending.isEmpty() || !unasked(mine).isEmpty()) {
                List<String> reasons = new ArrayList<>(was == null ? List.of() : was.reasons());
                reasons.add(!pending.isEmpty() ? pending : unasked(mine));
                boolean running = asked.known() || was != null && was.state() != ServiceAvailability.State.STOPPED;
                out.put(s.name(), new Service(s.name(), running, Optional.ofNullable(was).map(ServiceAvailability::state), reasons,
                        mine, false));
            } else {
                out.put(s.name(), judge(s.name(), mine));
            }
        }
        return new ServiceView(java.util.Collections.unmodifiableMap(out), pending);
    }

    /**
     * Why the service is not judged yet on its probes, or empty: a running instance of one of its
     * applications has a probe this manager has not asked yet (a manager that just started, or a
     * VM just started, knows nothing of what it serves; it is judged at the first answer, within
     * the probe's interval, rather than called DOWN meanwhile).
     */
    private static String unasked(List<Application> apps) {
        List<String> vms = apps.stream().flatMap(a -> a.instances().stream())
                .filter(i -> i.probe().filter(p -> !p.asked()).isPresent()).map(i -> i.application() + " in " + i.vm())
                .sorted().toList();
        return vms.isEmpty() ? "" : "not judged yet: the probe of " + String.join(", ", vms) + " not asked yet";
    }

    /** A started service's state from its applications' headcounts, with one reason per application short of what it wants. */
    private static Service judge(String service, List<Application> apps) {
        boolean down = false;
        boolean degraded = false;
        List<String> reasons = new ArrayList<>();
        for (Application a : apps) {
            Headcount h = a.headcount();
            if (!h.belowWanted()) {
                continue;
            }
            down |= h.belowFloor();
            degraded |= !h.belowFloor();
            StringBuilder why = new StringBuilder(a.name() + ": " + h.running() + " of " + h.wanted()
                    + " instances running (minAvailable " + h.minAvailable() + ")");
            List<String> details = a.instances().stream().filter(i -> !i.running()).map(InstanceStatus::whyNotRunning).sorted().toList();
            if (!details.isEmpty()) {
                why.append("; ").append(String.join("; ", details));
            }
            long missing = h.wanted() - a.instances().size();
            if (missing > 0) {
                why.append("; ").append(missing).append(missing == 1 ? " instance not placed" : " instances not placed");
            }
            reasons.add(why.toString());
        }
        ServiceAvailability.State state = down ? ServiceAvailability.State.DOWN
                : degraded ? ServiceAvailability.State.DEGRADED : ServiceAvailability.State.UP;
        return new Service(service, true, Optional.of(state), reasons, apps, true);
    }

    /** Every defined service, in the definitions' order. */
    public Map<String, Service> services() {
        return services;
    }

    public Optional<Service> service(String name) {
        return Optional.ofNullable(services.get(name));
    }

    /** Why started services are not judged yet (some agent has not answered since the start); empty once they are. */
    public String pending() {
        return pending;
    }

    /** The judged services' states and reasons: what the history compares and records. */
    public Map<String, ServiceAvailability> judgedStates() {
        Map<String, ServiceAvailability> out = new LinkedHashMap<>();
        services.values().stream().filter(Service::judged).forEach(s -> s.availability().ifPresent(a -> out.put(s.name(), a)));
        return out;
    }
}
