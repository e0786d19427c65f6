package io.federa.manager.core.migration;

import io.federa.manager.core.inventory.AgentHealth;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.VmStatus;
import io.federa.manager.core.lifecycle.InstanceLedger;
import io.federa.manager.core.lifecycle.ManagedInstance;
import io.federa.manager.core.placement.Explanation;
import io.federa.manager.core.placement.HostRefusals;
import io.federa.manager.core.placement.HostVerdict;
import io.federa.manager.core.placement.Outcome;
import io.federa.manager.core.placement.Placed;
import io.federa.manager.core.placement.Placement;
import io.federa.manager.core.placement.PlacementConfig;
import io.federa.manager.core.placement.PlacementRequest;
import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.Catalog;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Whether a requested move may begin, and where: the rules a move passes before its source is
 * asked to stop, in the order of {@link AdmissionCode}. Pure, over one {@link World}; the runner
 * only carries out what it answers, and the golden migration scenarios run the same code.
 *
 * <pre>
 *  REQUESTED ──admit──► Wait(code, why)        stays REQUESTED, says why (and asks again later)
 *                   ├─► NotStarted(code, why)  ends NOT_STARTED: nothing was touched
 *                   └─► Begin(destination)     STOPPING at the source, or for a surge DEFINING
 *                                              the new instance at the destination
 * </pre>
 *
 * <p>The promise kept here: a move never takes an application below its {@code minAvailable}
 * running instances unless the operator allowed downtime for it. The instances running are
 * counted by {@link InstanceLedger#running}, the count the reconcile pass uses.
 */
public final class Admission {
    private Admission() {
    }

    /**
     * What admission looks at, all as of one moment.
     *
     * @param active        every unfinished move (this one included)
     * @param concurrent    moves that may be past REQUESTED at once
     * @param lifecycleBusy VMs with a lifecycle step in flight
     * @param cordoned      hosts an operator cordoned
     * @param closed        hosts that take no new VMs: the cordoned ones and those this manager cannot command
     */
    public record World(InventorySnapshot inventory, Catalog catalog, Map<String, ManagedInstance> instances,
                        List<Migration> active, int concurrent, Set<String> lifecycleBusy, Set<String> cordoned,
                        Set<String> closed, PlacementConfig placement) {
        public World {
            instances = Map.copyOf(instances);
            active = List.copyOf(active);
            lifecycleBusy = Set.copyOf(lifecycleBusy);
            cordoned = Set.copyOf(cordoned);
            closed = Set.copyOf(closed);
        }
    }

    /** The answer for one requested move. */
    public sealed interface Decision {
        /** It stays REQUESTED. */
        record Wait(AdmissionCode code, String why) implements Decision {
        }

        /** It ends NOT_STARTED, having touched nothing. */
        record NotStarted(AdmissionCode code, String why) implements Decision {
        }

        /**
         * Its source stops the VM; it goes to {@code destination}. A surge ({@code surgeAs}): the new
         * instance of that name starts at the destination first, and the VM stops only once it runs.
         */
        record Begin(String destination, Optional<String> surgeAs) implements Decision {
        }
    }

    /** The decision for a REQUESTED move, applied: the migration as it is afterwards. */
    public static Migration next(Migration m, World w, long now) {
        Decision d = decide(m, w);
        if (d instanceof Decision.Wait wait) {
            return MigrationMachine.waiting(m, wait.code(), wait.why(), now);
        }
        if (d instanceof Decision.NotStarted n) {
            return MigrationMachine.notStarted(m, n.code(), n.why(), now);
        }
        Decision.Begin b = (Decision.Begin) d;
        return b.surgeAs().isPresent() ? MigrationMachine.beginSurge(m, b.destination(), b.surgeAs().get(), now)
                : MigrationMachine.begin(m, b.destination(), now);
    }

    /** Whether the requested move {@code m} may begin now, and where. */
    public static Decision decide(Migration m, World w) {
        if (m.phase() != Phase.REQUESTED) {
            throw new IllegalStateException("migration " + m.id() + " is " + m.phase() + ": only a requested move is admitted");
        }
        long inFlight = w.active().stream().filter(o -> o.phase() != Phase.REQUESTED && !o.id().equals(m.id())).count();
        if (inFlight >= w.concurrent()) {
            return new Decision.Wait(AdmissionCode.CONCURRENCY, "waiting: " + inFlight
                    + " migrations in flight (migration.concurrent is " + w.concurrent() + ")");
        }
        if (m.drain().isPresent()) {
            for (Migration o : w.active()) {
                // A move held for the operator's consent to downtime does not hold up the rest of its drain.
                if (!o.id().equals(m.id()) && o.drain().equals(m.drain()) && Migration.sequence(o.id()) < Migration.sequence(m.id())
                        && !o.code().equals(Optional.of(AdmissionCode.MIN_AVAILABLE))) {
                    return new Decision.Wait(AdmissionCode.DRAIN_ORDER, "waits for " + o.id() + " (" + o.vm()
                            + "), queued before it in the drain of " + m.drain().get());
                }
            }
        }
        ManagedInstance i = w.instances().get(m.vm());
        if (i == null || !i.host().equals(m.source()) || i.epoch() != m.epoch()) {
            return new Decision.NotStarted(AdmissionCode.NOT_ON_SOURCE, m.vm() + " is no longer on " + m.source()
                    + " under epoch " + m.epoch());
        }
        if (w.lifecycleBusy().contains(m.vm())) {
            return new Decision.Wait(AdmissionCode.LIFECYCLE_STEP, "waiting: a lifecycle step on " + m.vm() + " is in flight");
        }
        InventorySnapshot inv = w.inventory();
        // A manager that just started has not heard from every agent: placement would take the
        // silent ones for unreachable hosts.
        Optional<String> unheard = inv.agents().values().stream()
                .filter(e -> e.health().state() == AgentHealth.State.UNKNOWN)
                .map(InventorySnapshot.Entry::agent).findFirst();
        if (unheard.isPresent()) {
            return new Decision.Wait(AdmissionCode.AGENT_UNHEARD, "waiting: no answer yet from agent " + unheard.get()
                    + " since the manager started");
        }
        Optional<InventorySnapshot.Entry> source = inv.agentOfHost(m.source());
        if (source.isEmpty() || !source.get().reachable()) {
            return new Decision.Wait(AdmissionCode.SOURCE_UNREACHABLE, "waiting: " + m.source() + " does not answer");
        }
        Optional<VmStatus> vm = source.get().vms().stream().filter(v -> v.name().equals(m.vm())).findFirst();
        if (vm.isEmpty()) {
            return new Decision.NotStarted(AdmissionCode.VM_GONE, m.vm() + " is gone from " + m.source());
        }
        ApplicationSpec app = w.catalog() == null ? null : w.catalog().applications().get(m.application());
        if (app == null) {
            return new Decision.NotStarted(AdmissionCode.APPLICATION_UNDEFINED, "application " + m.application()
                    + " is no longer defined");
        }
        Optional<String> surgeAs = surges(app, vm.get().running()) ? Optional.of(newInstanceName(app, w)) : Optional.empty();
        if (!m.allowDowntime() && surgeAs.isEmpty()) {
            Optional<String> below = belowMinimum(m.vm(), app, vm.get().running(), m.id(), w);
            if (below.isPresent()) {
                return new Decision.Wait(AdmissionCode.MIN_AVAILABLE, "waiting: " + below.get());
            }
        }
        if (m.requestedTo().isPresent()) {
            Optional<String> refused = destinationRefusal(m.vm(), m.application(), m.source(), m.requestedTo().get(), m.id(), w);
            if (refused.isPresent()) {
                return new Decision.NotStarted(AdmissionCode.DESTINATION_REFUSED, refused.get());
            }
            return new Decision.Begin(m.requestedTo().get(), surgeAs);
        }
        Outcome o = engine(m.vm(), m.source(), w).place(new PlacementRequest(m.application(), m.vm()),
                plannedElsewhere(m.id(), w));
        if (o instanceof Outcome.Fits f) {
            return new Decision.Begin(f.host(), surgeAs);
        }
        return new Decision.NotStarted(AdmissionCode.NO_HOST_FITS, noHostFits(m.vm(), m.source(), o, w));
    }

    /**
     * Whether a move of a VM of {@code app} is a surge: a new instance started at the destination
     * before the VM stops. Only where nothing needs carrying ({@code data: none}: the new instance
     * starts without the old one's disks), for an application of several interchangeable replicas
     * (one more for a moment is within what it was made for; a single instance may be a singleton
     * that must never run twice), and of a VM that runs (a stopped one takes nothing down).
     */
    public static boolean surges(ApplicationSpec app, boolean vmRunning) {
        return vmRunning && app.data() == ApplicationSpec.Data.NONE && app.replicas() > 1;
    }

    /** The name of a surge's new instance: the ledger's next name, past those other surges have taken. */
    private static String newInstanceName(ApplicationSpec app, World w) {
        Set<String> taken = new HashSet<>();
        w.active().forEach(o -> o.surgeAs().ifPresent(taken::add));
        return InstanceLedger.of(w.instances(), w.inventory(), Set.of(), w.catalog()).newName(app.name(), taken);
    }

    /**
     * Why moving {@code vm} now would take its application below {@code minAvailable} running
     * instances, or empty when it would not: "web has 1 running of minAvailable 1; moving web-1
     * stops it". A VM that does not run takes nothing down; the VMs of other moves of the
     * application that are stopping count as stopped already.
     */
    public static Optional<String> belowMinimum(String vm, ApplicationSpec app, boolean vmRunning, String migrationId,
                                                World w) {
        if (!vmRunning) {
            return Optional.empty();
        }
        int running = InstanceLedger.of(w.instances(), w.inventory(), Set.of(), w.catalog()).running(app.name());
        List<String> stopping = new ArrayList<>();
        for (Migration o : w.active()) {
            if (!o.id().equals(migrationId) && o.application().equals(app.name()) && o.phase() == Phase.STOPPING && !o.surge()
                    && runs(o.vm(), o.source(), w.inventory())) {
                stopping.add(o.vm());
            }
        }
        int left = running - 1 - stopping.size();
        if (left >= app.minAvailable()) {
            return Optional.empty();
        }
        return Optional.of(app.name() + " has " + running + " running of minAvailable " + app.minAvailable()
                + (stopping.isEmpty() ? "" : " (" + String.join(", ", stopping) + " stopping to move)")
                + "; moving " + vm + " stops it (allow downtime to move it anyway)");
    }

    /** A queued move that waits for downtime to be allowed, and why. */
    public record Held(Migration migration, AdmissionCode code, String why) {
    }

    /**
     * The moves among {@code queued} that cannot be made now without taking their application below
     * {@code minAvailable}, unless each allows downtime: what a drain lists as waiting.
     */
    public static List<Held> heldForDowntime(List<Migration> queued, World w) {
        List<Held> out = new ArrayList<>();
        for (Migration m : queued) {
            ApplicationSpec app = w.catalog() == null ? null : w.catalog().applications().get(m.application());
            if (app == null || m.allowDowntime() || surges(app, m.wasRunning())) {
                continue;
            }
            belowMinimum(m.vm(), app, m.wasRunning(), m.id(), w).ifPresent(why -> out.add(new Held(m, AdmissionCode.MIN_AVAILABLE, why)));
        }
        return out;
    }

    private static boolean runs(String vm, String host, InventorySnapshot inv) {
        return inv.agentOfHost(host).filter(InventorySnapshot.Entry::reachable)
                .map(e -> e.vms().stream().anyMatch(v -> v.name().equals(vm) && v.running())).orElse(false);
    }

    /**
     * Why {@code to} cannot take {@code vm} now, naming the host and each rule, or empty when it
     * can: the placement chain's verdict with the VM set aside, its source and the closed hosts
     * excluded, and the destinations of other moves counted as taken.
     */
    public static Optional<String> destinationRefusal(String vm, String application, String source, String to,
                                                      String migrationId, World w) {
        if (to.equals(source)) {
            return Optional.of(vm + " is on " + to + " already");
        }
        if (w.inventory().agentOfHost(to).isEmpty()) {
            return Optional.of("no host " + to + " in the inventory");
        }
        if (w.closed().contains(to) && !w.cordoned().contains(to)) {
            return Optional.of(to + " refuses " + vm + ": this manager cannot command its agent (polled over SNMP)");
        }
        Optional<HostVerdict> verdict = engine(vm, source, w).explain(new PlacementRequest(application, vm),
                plannedElsewhere(migrationId, w)).stream().filter(v -> v.host().equals(to)).findFirst();
        if (verdict.isEmpty()) {
            return Optional.of(to + " refuses " + vm + ": its agent has not reported the host");
        }
        if (!verdict.get().fits()) {
            return Optional.of(to + " refuses " + vm + ":\n" + Explanation.of(List.of(verdict.get())).stripTrailing());
        }
        return Optional.empty();
    }

    /** A drain's queue: what moves off {@code host}, in start order (dependencies first), and what stays, with why. */
    public record DrainQueue(List<ManagedInstance> moves, List<String> left) {
        public DrainQueue {
            moves = List.copyOf(moves);
            left = List.copyOf(left);
        }
    }

    /** The moves a drain of {@code host} queues, and the VMs it leaves there. */
    public static DrainQueue drainQueue(String host, World w) {
        Map<String, Integer> order = new HashMap<>();
        if (w.catalog() != null) {
            int k = 0;
            for (String service : w.catalog().services().keySet()) {
                for (ApplicationSpec app : w.catalog().startOrder(service)) {
                    order.putIfAbsent(app.name(), k++);
                }
            }
        }
        List<String> left = new ArrayList<>();
        w.inventory().agentOfHost(host).ifPresent(e -> {
            for (VmStatus v : e.vms()) {
                ManagedInstance i = w.instances().get(v.name());
                if (i == null || !i.host().equals(host)) {
                    left.add(v.name() + ": not placed by Federa (no started service holds it); move it by hand");
                }
            }
        });
        Set<String> migrating = new HashSet<>();
        w.active().forEach(m -> migrating.add(m.vm()));
        List<ManagedInstance> moves = new ArrayList<>();
        w.instances().values().stream().filter(i -> i.host().equals(host))
                .sorted(Comparator.comparingInt((ManagedInstance i) -> order.getOrDefault(i.application(), Integer.MAX_VALUE))
                        .thenComparing(ManagedInstance::name))
                .forEach(i -> {
                    if (migrating.contains(i.name())) {
                        left.add(i.name() + ": already migrating");
                    } else {
                        moves.add(i);
                    }
                });
        return new DrainQueue(moves, left);
    }

    private static Placement engine(String vm, String source, World w) {
        Set<String> closed = new HashSet<>(w.closed());
        closed.add(source);
        return Placement.of(w.inventory().withoutVm(vm), closed, w.catalog(), w.placement());
    }

    /** Where other moves in flight are taking their VMs: counted as placed already. */
    private static List<Placed> plannedElsewhere(String migrationId, World w) {
        List<Placed> out = new ArrayList<>();
        for (Migration m : w.active()) {
            if (!m.id().equals(migrationId) && m.destination().isPresent() && m.phase().ordinal() < Phase.STARTING.ordinal()) {
                out.add(new Placed(m.vm(), m.application(), m.destination().get()));
            }
        }
        return out;
    }

    /**
     * "No host but its source takes it", with every other host and its reasons. The source is
     * shut out of the chain as if it were cordoned; it is named as the source instead, so that a
     * refusal never calls a host cordoned that is not.
     */
    private static String noHostFits(String vm, String source, Outcome o, World w) {
        String from = "its source " + source + (w.cordoned().contains(source) ? " (cordoned)" : "");
        if (o instanceof Outcome.Unschedulable u) {
            List<HostRefusals> others = u.hosts().stream().filter(h -> !h.host().equals(source)).toList();
            if (others.isEmpty()) {
                return "no host but " + from + " in the inventory";
            }
            String text = Explanation.of(new Outcome.Unschedulable(u.instance(), u.application(), others)).stripTrailing();
            int firstLine = text.indexOf('\n');
            return "no host but " + from + " takes " + vm + ":\n" + (firstLine < 0 ? "" : text.substring(firstLine + 1));
        }
        return "no host but " + from + " takes " + vm + ": " + Explanation.of(o).stripTrailing();
    }
}
