package io.federa.manager.metrics;

import io.federa.manager.core.lifecycle.Headcount;
import io.federa.manager.core.availability.ServiceAvailability;
import io.federa.manager.core.availability.ServiceView;
import io.federa.manager.core.inventory.RunningInstances;
import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.VmStatus;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The manager's view for Prometheus, mirrored from the current inventory and service states at
 * scrape time: per-agent reachability, per-host capacity and usage, per-VM resources and load,
 * each service's state and availability ratios. Names use the {@code federa_} prefix and base
 * units (bytes, seconds, ratios 0–1). Hot per-VM series carry only {@code host} and {@code vm};
 * {@code federa_vm_info} carries the rest for joins, and never the VM's state (which would start
 * new series at every change): {@code federa_vm_state} does. Traffic is the agents' to count
 * ({@code mr_vm_network_*_bytes_total}); the manager serves no rate of it.
 */
public final class ManagerMetrics implements MultiCollector {
    /** The availability windows exported, by label value. */
    public static final Map<String, Long> WINDOWS = Map.of("1h", 3_600_000L, "1d", 86_400_000L, "30d", 30 * 86_400_000L);

    /** The VM states the agents report (their contract, docs/agent.md); a state outside it is exported too. */
    public static final List<String> VM_STATES = List.of("UNKNOWN", "RUNNING", "PAUSED", "SHUTTING_DOWN", "SHUT_OFF",
            "CRASHED", "PM_SUSPENDED");

    /** What the metrics read; each call gives the current value. */
    public interface Sources {
        InventorySnapshot inventory();

        /** Every service as the last interval saw it. */
        ServiceView view();

        double availabilityRatio(String service, long nowMillis, long windowMillis);

        long historyRecordsDropped();

        long historyWriteFailures();

        /** The current definitions; null before any. */
        io.federa.manager.core.spec.Catalog catalog();

        /** The instances each scaled application wants now. */
        Map<String, Integer> scalingTargets();

        /** Scaling decisions taken, by "service/application/direction/source". */
        Map<String, Long> scalingDecisions();

        /** The migrations the manager knows: the latest finished, then those in flight. */
        default List<io.federa.manager.core.migration.Migration> migrations() {
            return List.of();
        }

        /** Migrations ended since the manager started, by outcome ("done", "rolled-back", "not-started"). */
        default Map<String, Long> migrationOutcomes() {
            return Map.of();
        }

        /** Managers sharing the store heard from lately, this one included. */
        default int managersAlive() {
            return 1;
        }

        /** The VMs of applications no service has any more, stopped and kept until pruned (as the leader's last pass saw them). */
        default int vmsOrphaned() {
            return 0;
        }

        /** Could the fleet take its largest host's running instances (the leader's last pass); empty elsewhere. */
        default java.util.Optional<io.federa.manager.core.placement.Failover> failover() {
            return java.util.Optional.empty();
        }

        /** The instances the leader's last pass could place on no host; empty elsewhere. */
        default List<io.federa.manager.core.placement.Outcome.Unschedulable> unschedulable() {
            return List.of();
        }

        /** This manager's leader term; 0 when it leads nothing. */
        default long leaderTerm() {
            return 0;
        }

        /** The agents that hold leases (polled over Jolokia). */
        default int leaseFleet() {
            return 0;
        }

        /** Of those, the agents that acknowledged a renewal within one lease. */
        default int leasesRenewed() {
            return 0;
        }

        /** How long polling the whole fleet once takes now, in ms (0 before the first interval ended). */
        default long pollCycleMillis() {
            return 0;
        }

        /** How often the manager means to poll each agent now, in ms: poll.interval, or cluster.followerPoll while it follows. */
        default long pollIntervalMillis() {
            return 0;
        }

        /** The poll loops' caps on polls at once, as they adapted to what the manager takes. */
        default int pollConcurrencyLimit() {
            return 0;
        }

        /** Audit entries dropped because too many waited to be written. */
        default long auditDropped() {
            return 0;
        }

        /** Events dropped by the history's budget (more of a kind than it records a second), by kind. */
        default Map<String, Long> eventsDropped() {
            return Map.of();
        }

        /** What is being spent now, per second, by service, application and host (docs/cost.md). */
        default io.federa.manager.core.cost.Spending spending() {
            return io.federa.manager.core.cost.Spending.NONE;
        }

        /** The last capacity forecast of every host and site (docs/cost.md, "Forecasts"). */
        default List<io.federa.manager.core.forecast.Outlook> outlooks() {
            return List.of();
        }

        /** Probes sent to applications inside VMs since the start. */
        default long probesSent() {
            return 0;
        }

        /** Of those, the ones that failed. */
        default long probesFailed() {
            return 0;
        }

        /** Each service's budget, from the configuration (cost.budgets). */
        default Map<String, io.federa.manager.core.cost.Budget> budgets() {
            return Map.of();
        }
    }

    private final Sources sources;
    private final LongSupplier clock;

    private static List<Point> perCurrency(String label, Map<String, Map<String, Double>> figures) {
        List<Point> out = new ArrayList<>();
        figures.forEach((key, byCurrency) -> byCurrency.forEach((currency, perSecond) ->
                out.add(new Point(Labels.of(label, key, "currency", currency), perSecond))));
        return out;
    }

    public ManagerMetrics(Sources sources, LongSupplier clock) {
        this.sources = sources;
        this.clock = clock;
    }

    @Override
    public MetricSnapshots collect() {
        InventorySnapshot inv = sources.inventory();
        List<MetricSnapshot> out = new ArrayList<>();
        List<Point> up = new ArrayList<>();
        List<Point> lastPoll = new ArrayList<>();
        List<Point> info = new ArrayList<>();
        List<HostStatus> hosts = new ArrayList<>();
        for (InventorySnapshot.Entry e : inv.agents().values()) {
            up.add(new Point(Labels.of("agent", e.agent()), e.reachable() ? 1 : 0));
            if (e.health().lastSuccessMillis() > 0) {
                lastPoll.add(new Point(Labels.of("agent", e.agent()), e.health().lastSuccessMillis() / 1000.0));
            }
            e.host().ifPresent(h -> {
                hosts.add(h);
                info.add(new Point(Labels.of("agent", e.agent(), "host", h.hostId(), "site", h.site(),
                        "offsite", Boolean.toString(h.offsite()), "security_level", Integer.toString(h.securityLevel()),
                        "runtimes", String.join(",", h.runtimes())), 1));
            });
        }
        out.add(gauge("federa_agent_up", "1 when the agent answers its polls, 0 when it is unreachable or not polled yet.", up));
        out.add(gauge("federa_agent_last_poll_timestamp_seconds", "When the agent last answered a poll.", lastPoll));
        out.add(gauge("federa_host_info", "A host's identity and placement facts; always 1.", info));
        out.add(hostGauge("federa_host_cpus", "Physical CPUs of the host.", hosts, HostStatus::cpus));
        out.add(hostGauge("federa_host_vcpus_allocated", "vCPUs given to the host's active VMs.", hosts, HostStatus::vcpusAllocated));
        out.add(hostGauge("federa_host_memory_bytes", "Memory of the host.", hosts, HostStatus::memoryBytes));
        out.add(hostGauge("federa_host_memory_allocated_bytes", "Memory given to the host's active VMs.", hosts,
                HostStatus::memoryAllocatedBytes));
        out.add(hostGauge("federa_host_storage_bytes", "Storage capacity of the host.", hosts, HostStatus::storageBytes));
        out.add(hostGauge("federa_host_storage_allocated_bytes", "Storage given to the VMs' disks.", hosts,
                HostStatus::storageAllocatedBytes));
        out.add(hostGauge("federa_host_network_capacity_bytes_per_second", "Network bandwidth of the host.", hosts,
                h -> h.networkBitsPerSecond() / 8.0));

        List<VmStatus> vms = inv.vms();
        List<Point> vmInfo = new ArrayList<>(vms.size());
        List<Point> vmState = new ArrayList<>(vms.size() * VM_STATES.size());
        for (VmStatus v : vms) {
            vmInfo.add(new Point(Labels.of("host", v.host(), "vm", v.name(), "uuid", v.uuid(), "application", v.application(),
                    "service", v.service()), 1));
            String current = v.state() == null || v.state().isEmpty() ? "UNKNOWN" : v.state();
            for (String st : VM_STATES) {
                vmState.add(new Point(Labels.of("host", v.host(), "vm", v.name(), "state", st), st.equals(current) ? 1 : 0));
            }
            if (!VM_STATES.contains(current)) {
                vmState.add(new Point(Labels.of("host", v.host(), "vm", v.name(), "state", current), 1));
            }
        }
        out.add(gauge("federa_vm_info", "A VM's identity and labels as last polled; always 1.", vmInfo));
        out.add(gauge("federa_vm_state", "1 for the VM's state as last polled (RUNNING, SHUT_OFF, …), 0 for the others.", vmState));
        out.add(vmGauge("federa_vm_running", "1 when the VM runs on a host that answers, 0 otherwise.", vms,
                v -> inv.agentOfHost(v.host()).map(e -> RunningInstances.counts(e, v)).orElse(false) ? 1 : 0));
        out.add(vmGauge("federa_vm_vcpus", "vCPUs of the VM.", vms, VmStatus::vcpus));
        out.add(vmGauge("federa_vm_memory_bytes", "Memory of the VM.", vms, VmStatus::memoryBytes));
        out.add(vmGauge("federa_vm_disk_bytes", "Defined size of the VM's disks.", vms,
                v -> v.diskBytes() < 0 ? Double.NaN : v.diskBytes()));
        out.add(vmGauge("federa_vm_cpu_load_ratio", "CPU load of the VM, 0 to 1 of its vCPUs.", vms, VmStatus::cpuLoadRatio));

        long now = clock.getAsLong();
        List<Point> state = new ArrayList<>();
        List<Point> ratio = new ArrayList<>();
        List<Point> desiredRunning = new ArrayList<>();
        for (ServiceView.Service s : sources.view().services().values()) {
            desiredRunning.add(new Point(Labels.of("service", s.name()), s.desiredRunning() ? 1 : 0));
            if (s.state().isEmpty()) {
                // Started, and not judged yet since the manager started, with no state recorded before.
                continue;
            }
            for (ServiceAvailability.State st : ServiceAvailability.State.values()) {
                state.add(new Point(Labels.of("service", s.name(), "state", st.name()), s.state().get() == st ? 1 : 0));
            }
            for (Map.Entry<String, Long> w : new java.util.TreeMap<>(WINDOWS).entrySet()) {
                ratio.add(new Point(Labels.of("service", s.name(), "window", w.getKey()),
                        sources.availabilityRatio(s.name(), now, w.getValue())));
            }
        }
        out.add(gauge("federa_service_state", "1 for the service's current state (UP, DEGRADED, DOWN, STOPPED), 0 for the others.",
                state));
        out.add(gauge("federa_service_desired_running", "1 when an operator asked the service to run (federa start), "
                + "0 when it was never started or was stopped.", desiredRunning));
        io.federa.manager.core.cost.Spending spent = sources.spending();
        // One series per service, application or host and currency: bounded by the definitions and the fleet.
        out.add(gauge("federa_service_cost_per_second", "What the service costs now, in the currency named, per second, "
                + "over each host's latest sample interval; a shared application split as billed; idle capacity as service "
                + "\"(idle)\" (docs/cost.md).", perCurrency("service", spent.services())));
        out.add(gauge("federa_application_cost_per_second", "What the application's VMs cost now, in the currency named, "
                + "per second, over each host's latest sample interval, whole (not split among services); idle capacity as "
                + "application \"(idle)\" (docs/cost.md).", perCurrency("application", spent.applications())));
        List<Point> budgets = new ArrayList<>();
        sources.budgets().forEach((service, b) ->
                budgets.add(new Point(Labels.of("service", service, "currency", b.currency()), b.perSecond())));
        out.add(gauge("federa_service_cost_budget_per_second", "The service's budget (cost.budgets), in the currency named, "
                + "per second: its amount divided by its period, to compare with federa_service_cost_per_second.", budgets));
        List<Point> hostFull = new ArrayList<>();
        List<Point> siteFull = new ArrayList<>();
        for (io.federa.manager.core.forecast.Outlook o : sources.outlooks()) {
            double seconds = o.fullIn().map(d -> d.toMillis() / 1000.0).orElse(Double.POSITIVE_INFINITY);
            (o.scope().equals("host") ? hostFull : siteFull).add(new Point(Labels.of(o.scope(), o.key(), "resource",
                    o.resource().word()), seconds));
        }
        out.add(gauge("federa_host_forecast_full_seconds", "Seconds from the end of the last hour forecast until the "
                + "upper bound of the 80 % interval of the host's forecast use of the resource (cpu, storage, network) "
                + "reaches its capacity; +Inf when not within 14 days (docs/cost.md).", hostFull));
        out.add(gauge("federa_site_forecast_full_seconds", "The same for a site: its hosts' use against the sum of "
                + "their capacities.", siteFull));
        out.add(gauge("federa_host_idle_cost_per_second", "What the host's capacity that no VM uses costs now, in the "
                + "currency named, per second, over its latest sample interval (docs/cost.md).",
                perCurrency("host", spent.idleByHost())));
        out.add(gauge("federa_service_availability_ratio",
                "Share of the time in the window (1h, 1d, 30d) the service was meant to run during which it was not DOWN, 0 to 1.",
                ratio));
        // Each scaled application's policy, so alerting rules compare load with the policy's own thresholds.
        List<Point> outAbove = new ArrayList<>();
        List<Point> inBelow = new ArrayList<>();
        List<Point> wanted = new ArrayList<>();
        // Every scaled application's four counters exist from the start (at 0), so that a rate or an
        // increase over them is 0, not absent, before its first decision.
        Map<String, Long> decided = new java.util.TreeMap<>(sources.scalingDecisions());
        io.federa.manager.core.spec.Catalog catalog = sources.catalog();
        if (catalog != null) {
            Map<String, Integer> targets = sources.scalingTargets();
            for (var svc : catalog.services().values()) {
                for (String appName : svc.applications()) {
                    var app = catalog.applications().get(appName);
                    if (app == null) {
                        continue;
                    }
                    Labels l = Labels.of("service", svc.name(), "application", appName);
                    wanted.add(new Point(l, Headcount.wanted(app, targets)));
                    if (app.scaling().isEmpty()) {
                        continue;
                    }
                    outAbove.add(new Point(l, app.scaling().get().scaleOutAbove()));
                    inBelow.add(new Point(l, app.scaling().get().scaleInBelow()));
                    for (String direction : List.of("out", "in")) {
                        for (String source : List.of("rule", "alert", "forecast")) {
                            decided.putIfAbsent(svc.name() + "/" + appName + "/" + direction + "/" + source, 0L);
                        }
                    }
                }
            }
        }
        // The services' map (the service dashboard's node graph): which application each one needs started first.
        List<Point> dependencies = new ArrayList<>();
        if (catalog != null) {
            for (var svc : new java.util.TreeMap<>(catalog.services()).values()) {
                for (String appName : svc.applications()) {
                    var app = catalog.applications().get(appName);
                    if (app != null) {
                        app.dependsOn().forEach(dep -> dependencies.add(new Point(
                                Labels.of("service", svc.name(), "application", appName, "depends_on", dep), 1)));
                    }
                }
            }
        }
        out.add(gauge("federa_application_dependency", "1 for each application another one of the service depends on "
                + "(started first, stopped last).", dependencies));
        out.add(gauge("federa_application_scale_out_above_ratio", "The load (0 to 1) above which the application scales out.", outAbove));
        out.add(gauge("federa_application_scale_in_below_ratio", "The load (0 to 1) below which the application scales in.", inBelow));
        out.add(gauge("federa_application_instances_wanted", "Instances the application wants now (its replicas, or its scaling target).",
                wanted));
        CounterSnapshot.Builder decisions = CounterSnapshot.builder().name("federa_scaling_decisions")
                .help("Scaling decisions taken, by service, application, direction (out, in) and source (rule, alert, forecast).");
        decided.forEach((key, n) -> {
            String[] k = key.split("/", 4);
            decisions.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                    .labels(Labels.of("service", k[0], "application", k[1], "direction", k[2], "source", k[3])).value(n).build());
        });
        out.add(decisions.build());
        migrations(out, now);
        placementHeadroom(out, catalog);
        probes(out, catalog);
        int fleet = sources.leaseFleet();
        int renewed = sources.leasesRenewed();
        out.add(gauge("federa_vms_orphaned", "VMs of applications no service has any more: stopped and kept with their data "
                + "until federa apply --prune (counted by the leader).", List.of(new Point(Labels.EMPTY, sources.vmsOrphaned()))));
        out.add(gauge("federa_manager_leader_term", "The term this manager leads with (a new one at each start); 0 when it leads nothing.",
                List.of(new Point(Labels.EMPTY, sources.leaderTerm()))));
        out.add(gauge("federa_cluster_managers_alive", "Managers sharing the store that were heard from within three claims.",
                List.of(new Point(Labels.EMPTY, sources.managersAlive()))));
        out.add(gauge("federa_manager_lease_fleet_agents", "Agents that hold leases from the manager (polled over Jolokia).",
                List.of(new Point(Labels.EMPTY, fleet))));
        out.add(gauge("federa_manager_leases_renewed_agents", "Agents that acknowledged a lease renewal within one lease.",
                List.of(new Point(Labels.EMPTY, renewed))));
        out.add(gauge("federa_manager_majority", "1 while this manager renews the leases of a majority of the fleet; "
                + "0 in a minority, when it acts on nothing.", List.of(new Point(Labels.EMPTY, fleet == 0 || renewed >= io.federa.manager.core.lease.LeaseLedger.majority(fleet) ? 1 : 0))));
        long cycle = sources.pollCycleMillis();
        out.add(gauge("federa_poll_cycle_seconds", "How long polling every agent once takes now: the poll interval while the "
                + "manager keeps up, longer when it cannot (each agent polled that much less often); +Inf when no poll finishes.",
                List.of(new Point(Labels.EMPTY, cycle == Long.MAX_VALUE ? Double.POSITIVE_INFINITY : cycle / 1000.0))));
        out.add(gauge("federa_poll_interval_seconds", "How often this manager means to poll each agent now: poll.interval, "
                + "or cluster.followerPoll while another manager leads.", List.of(new Point(Labels.EMPTY, sources.pollIntervalMillis() / 1000.0))));
        out.add(gauge("federa_poll_concurrency_limit", "Polls the manager runs at once at most, as its poll loops adapted it "
                + "to how fast answers come (never above poll.maxConcurrent).",
                List.of(new Point(Labels.EMPTY, sources.pollConcurrencyLimit()))));
        out.add(counter("federa_history_records_dropped", "Events and transitions given up after the store refused them too long.",
                sources.historyRecordsDropped()));
        out.add(counter("federa_history_write_failures", "Writes of events and transitions that failed and were retried.",
                sources.historyWriteFailures()));
        out.add(counter("federa_audit_dropped", "Audit entries dropped because too many waited to be written.",
                sources.auditDropped()));
        CounterSnapshot.Builder eventsDropped = CounterSnapshot.builder().name("federa_events_dropped")
                .help("Events not recorded because more of their kind came than the history records a second, by kind.");
        new java.util.TreeMap<>(sources.eventsDropped()).forEach((kind, n) -> eventsDropped.dataPoint(
                CounterSnapshot.CounterDataPointSnapshot.builder().labels(Labels.of("kind", kind)).value(n).build()));
        out.add(eventsDropped.build());
        return new MetricSnapshots(out);
    }

    private record Point(Labels labels, double value) {
    }

    /**
     * What fits nowhere now (every application of the catalog, 0 included), and what would fit
     * nowhere if the largest host were lost: both the placement chain's answers, from the
     * leader's last pass (a follower exports 0 and no failover).
     */
    /** The instances of each probed application by what their probe last found, and the probes sent. */
    private void probes(List<MetricSnapshot> out, io.federa.manager.core.spec.Catalog catalog) {
        Map<String, Map<io.federa.manager.core.probe.ProbeBook.State, Integer>> byApp = new java.util.TreeMap<>();
        if (catalog != null) {
            catalog.applications().values().stream().filter(a -> a.probe().isPresent()).forEach(a -> {
                Map<io.federa.manager.core.probe.ProbeBook.State, Integer> zero = new java.util.EnumMap<>(io.federa.manager.core.probe.ProbeBook.State.class);
                for (io.federa.manager.core.probe.ProbeBook.State st : io.federa.manager.core.probe.ProbeBook.State.values()) {
                    zero.put(st, 0);
                }
                byApp.put(a.name(), zero);
            });
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (ServiceView.Service svc : sources.view().services().values()) {
            for (ServiceView.Application a : svc.applications()) {
                if (!seen.add(a.name()) || !byApp.containsKey(a.name())) {
                    continue;
                }
                a.instances().forEach(i -> i.probe().ifPresent(p -> byApp.get(a.name()).merge(p.state(), 1, Integer::sum)));
            }
        }
        List<Point> points = new ArrayList<>();
        byApp.forEach((app, counts) -> counts.forEach((st, n) -> points.add(new Point(Labels.of("application", app, "state",
                st.name().toLowerCase(java.util.Locale.ROOT)), n))));
        out.add(gauge("federa_application_instances_probed", "Running instances of each application with a probe, by what the"
                + " probe last found: serving, starting (not answered yet within its start grace) or failing.", points));
        out.add(counter("federa_probes_sent", "Probes sent to applications inside their VMs since the manager started.",
                sources.probesSent()));
        out.add(counter("federa_probes_failed", "Of those, the probes that failed (an error status, no answer in time, no connection).",
                sources.probesFailed()));
    }

    private void placementHeadroom(List<MetricSnapshot> out, io.federa.manager.core.spec.Catalog catalog) {
        Map<String, Integer> unplaceable = new java.util.TreeMap<>();
        if (catalog != null) {
            catalog.applications().keySet().forEach(a -> unplaceable.put(a, 0));
        }
        sources.unschedulable().forEach(u -> unplaceable.merge(u.application(), 1, Integer::sum));
        List<Point> apps = new ArrayList<>();
        unplaceable.forEach((a, n) -> apps.add(new Point(Labels.of("application", a), n)));
        out.add(gauge("federa_application_instances_unplaceable", "Instances of the application that fit on no host "
                + "(federa explain says why), as the leader's last reconcile pass saw them.", apps));
        List<Point> instances = new ArrayList<>();
        List<Point> stranded = new ArrayList<>();
        sources.failover().ifPresent(f -> {
            instances.add(new Point(Labels.of("host", f.host()), f.instances()));
            stranded.add(new Point(Labels.of("host", f.host()), f.unplaceable()));
        });
        out.add(gauge("federa_failover_instances", "Running instances of the host whose loss would be hardest to absorb "
                + "(the most memory in instances), as the leader's last pass saw it.", instances));
        out.add(gauge("federa_failover_instances_unplaceable", "Of those, the instances that would fit on no other host "
                + "were that host lost now: 0 while the fleet has failover headroom.", stranded));
    }

    private static GaugeSnapshot hostGauge(String name, String help, List<HostStatus> hosts, ToDoubleFunction<HostStatus> f) {
        List<Point> points = new ArrayList<>(hosts.size());
        hosts.forEach(h -> points.add(new Point(Labels.of("host", h.hostId()), f.applyAsDouble(h))));
        return gauge(name, help, points);
    }

    private static GaugeSnapshot vmGauge(String name, String help, List<VmStatus> vms, ToDoubleFunction<VmStatus> f) {
        List<Point> points = new ArrayList<>(vms.size());
        for (VmStatus v : vms) {
            double d = f.applyAsDouble(v);
            if (!Double.isNaN(d)) {
                points.add(new Point(Labels.of("host", v.host(), "vm", v.name()), d));
            }
        }
        return gauge(name, help, points);
    }

    /**
     * Migrations in flight by phase (every phase, 0 included), how long each has gone without
     * progress (a phase, or bytes copied), and how the finished ones ended.
     */
    private void migrations(List<MetricSnapshot> out, long now) {
        Map<String, Integer> byPhase = new java.util.LinkedHashMap<>();
        for (io.federa.manager.core.migration.Phase p : io.federa.manager.core.migration.Phase.values()) {
            if (!p.finished()) {
                byPhase.put(p.name(), 0);
            }
        }
        List<Point> stalled = new ArrayList<>();
        for (io.federa.manager.core.migration.Migration m : sources.migrations()) {
            if (m.phase().finished()) {
                continue;
            }
            byPhase.merge(m.phase().name(), 1, Integer::sum);
            stalled.add(new Point(Labels.of("migration", m.id(), "vm", m.vm(), "service", m.service(), "phase", m.phase().name(),
                    "source", m.source(), "destination", m.destinationOrNone()),
                    m.stalledMillis(now) / 1000.0));
        }
        List<Point> active = new ArrayList<>();
        byPhase.forEach((phase, n) -> active.add(new Point(Labels.of("phase", phase), n)));
        out.add(gauge("federa_migrations_active", "Migrations in flight, by phase.", active));
        out.add(gauge("federa_migration_stalled_seconds", "Seconds since each migration in flight last moved forward "
                + "(a new phase, or bytes copied).", stalled));
        CounterSnapshot.Builder ended = CounterSnapshot.builder().name("federa_migrations_finished")
                .help("Migrations ended since the manager started, by outcome (done, rolled_back, not_started).");
        for (String outcome : List.of("done", "rolled-back", "not-started")) {
            ended.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                    .labels(Labels.of("outcome", outcome.replace('-', '_')))
                    .value(sources.migrationOutcomes().getOrDefault(outcome, 0L)).build());
        }
        out.add(ended.build());
    }

    private static GaugeSnapshot gauge(String name, String help, List<Point> points) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
        points.forEach(p -> b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(p.labels()).value(p.value()).build()));
        return b.build();
    }

    private static CounterSnapshot counter(String name, String help, double value) {
        return CounterSnapshot.builder().name(name).help(help)
                .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(value).build()).build();
    }
}
