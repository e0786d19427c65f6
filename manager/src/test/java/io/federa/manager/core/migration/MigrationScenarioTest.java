package io.federa.manager.core.migration;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.VmStatus;
import io.federa.manager.core.lifecycle.InstanceLedger;
import io.federa.manager.core.lifecycle.ManagedInstance;
import io.federa.manager.core.placement.PlacementConfig;
import io.federa.manager.core.placement.Strategy;
import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.core.spec.CatalogValidator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The golden migration scenarios of {@code src/test/resources/migration/}: each file gives hosts, a
 * catalog, the VMs (each with an epoch of 1 or more is an instance the manager placed), hosts
 * cordoned and a script. A line of the script may change the world (a host killed or revived, a
 * VM's state), ask for moves ({@code drain: HOST}, {@code migrate: VM} with {@code to}, either with
 * {@code allowDowntime}), inject a fault into a move's next step ({@code fail: {m-1: refused}}),
 * then runs {@code rounds} rounds of the runner: each move, oldest first, is admitted
 * ({@link Admission#next}) or has the command {@link MigrationMachine#next} names carried out by
 * the simulated hosts and its outcome fed back to the machine, as {@code MigrationRunner} does.
 * Each move is then compared with what the line expects, as {@code PHASE [code] source→destination
 * next-command}, and notes by substring.
 *
 * <p>After every line, whatever it expects: no VM runs on two hosts, and no application with
 * {@code minAvailable} running at the start has fewer unless a move of it allowed downtime.
 */
class MigrationScenarioTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path ROOT = Path.of(System.getProperty("federa.root", "..")).toAbsolutePath().normalize();
    private static final Path SCENARIOS = ROOT.resolve("manager/src/test/resources/migration");
    private static final MigrationMachine.Limits LIMITS = new MigrationMachine.Limits(3, 3);

    static Stream<Path> scenarios() throws IOException {
        try (Stream<Path> s = Files.list(SCENARIOS)) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    /** A simulated VM on a host. */
    record Vm(String name, String application, String service, String state, long epoch) {
        Vm with(String s) {
            return new Vm(name, application, service, s, epoch);
        }
    }

    /** The simulated fleet and the runner's state. */
    static final class Sim {
        final Map<String, Map<String, Object>> hosts = new LinkedHashMap<>();
        final Map<String, Map<String, Vm>> vms = new TreeMap<>();
        final Set<String> dead = new HashSet<>();
        final Set<String> cordoned = new HashSet<>();
        final Map<String, ManagedInstance> instances = new HashMap<>();
        final Map<String, Migration> active = new LinkedHashMap<>();
        final Map<String, Migration> all = new LinkedHashMap<>();
        final Map<String, String> faults = new HashMap<>();
        final Set<String> allowedDowntime = new HashSet<>();
        Catalog catalog;
        PlacementConfig placement = new PlacementConfig(1.0, Strategy.SPREAD, 0, 1.0);
        int concurrent = 2;
        InventorySnapshot inventory;
        long now;
        int lastNumber;

        void poll() {
            if (inventory == null) {
                inventory = InventorySnapshot.of(new ArrayList<>(hosts.keySet()), now);
            }
            for (String id : hosts.keySet()) {
                if (dead.contains(id)) {
                    inventory = inventory.failed(id, "connection refused", 2, now);
                    continue;
                }
                Map<String, Object> h = hosts.get(id);
                List<VmStatus> list = new ArrayList<>();
                int vcpus = 0;
                long memory = 0;
                long disk = 0;
                for (Vm v : vms.get(id).values()) {
                    var r = catalog.applications().get(v.application()).resources();
                    list.add(new VmStatus(v.name(), "u-" + v.name(), id, v.state(), v.application(), v.service(), r.vcpus(),
                            r.memoryMiB() << 20, r.diskGiB() << 30, 0, 0, 0, 10, v.epoch()));
                    if (v.state().equals("RUNNING")) {
                        vcpus += r.vcpus();
                        memory += r.memoryMiB() << 20;
                    }
                    disk += r.diskGiB() << 30;
                }
                HostStatus status = new HostStatus(id, String.valueOf(h.getOrDefault("site", "paris")),
                        Boolean.TRUE.equals(h.get("offsite")), (int) number(h, "securityLevel", 3), List.of("kvm"),
                        (int) number(h, "cpus", 16), vcpus, ((long) number(h, "memoryMiB", 65536)) << 20, memory,
                        ((long) number(h, "storageGiB", 2000)) << 30, disk, 10_000_000_000L, 0, "EUR", 0.00001, 0.01, 0.02, 0,
                        "0.1.0", now);
                inventory = inventory.polled(id, status, list, now);
            }
        }

        Admission.World world() {
            Set<String> busy = Set.of();
            return new Admission.World(inventory, catalog, instances, List.copyOf(active.values()), concurrent, busy,
                    cordoned, cordoned, placement);
        }

        /** As the runner's {@code newMigration}: a move of a managed VM that its host reports. */
        Migration request(String vm, Optional<String> to, Optional<String> drain, boolean allowDowntime) {
            ManagedInstance i = instances.get(vm);
            Vm v = vms.get(i.host()).get(vm);
            Migration m = Migration.requested("m-" + (++lastNumber), vm, "u-" + vm, i.application(), i.service(), i.host(),
                    i.epoch(), v.state().equals("RUNNING"), to, drain, "operator", allowDowntime, now);
            put(m);
            return m;
        }

        void put(Migration m) {
            all.put(m.id(), m);
            if (m.phase().finished()) {
                active.remove(m.id());
            } else {
                active.put(m.id(), m);
            }
            if (m.allowDowntime()) {
                allowedDowntime.add(m.application());
            }
        }

        /** One round: each unfinished move, oldest first, takes one step. */
        void round() {
            for (Migration m : List.copyOf(active.values())) {
                Migration n = step(m);
                MigrationMachine.InstanceChange change = MigrationMachine.instanceAt(m, n);
                change.put().ifPresent(i -> instances.put(i.name(), i));
                change.forget().ifPresent(instances::remove);
                put(n);
            }
            poll();
        }

        Migration step(Migration m) {
            Command c = MigrationMachine.next(m);
            if (c instanceof Command.Admit) {
                return Admission.next(m, world(), now);
            }
            String fault = faults.remove(m.id());
            if (fault != null) {
                return MigrationMachine.failed(m, "injected fault", fault.equals("refused"), LIMITS, now);
            }
            if (c instanceof Command.Proceed) {
                return MigrationMachine.stopped(m, now);
            }
            if (c instanceof Command.ShutDown s) {
                vms.get(s.host()).computeIfPresent(s.vm(), (k, v) -> v.with("SHUT_OFF"));
                return MigrationMachine.stopped(m, now);
            }
            if (c instanceof Command.Copy) {
                return MigrationMachine.copied(m, "0f0f", 4L << 20, now);
            }
            if (c instanceof Command.Define d) {
                vms.get(d.host()).put(d.vm(), new Vm(d.vm(), d.application(), d.service(), "SHUT_OFF", d.epoch()));
                return MigrationMachine.defined(m, now);
            }
            if (c instanceof Command.Start s) {
                vms.get(s.host()).computeIfPresent(s.vm(), (k, v) -> v.with("RUNNING"));
                return m.phase() == Phase.ROLLING_BACK ? MigrationMachine.sourceRestarted(m, now) : MigrationMachine.started(m, now);
            }
            if (c instanceof Command.Watch w) {
                Vm v = vms.get(w.host()).get(w.vm());
                return v != null && v.state().equals("RUNNING") && v.epoch() == w.epoch() ? MigrationMachine.settled(m, now)
                        : MigrationMachine.stoppedWhileVerifying(m, w.vm() + " is not running on " + w.host(), now);
            }
            if (c instanceof Command.Remove r) {
                vms.get(r.host()).remove(r.vm());
                return m.phase() == Phase.ROLLING_BACK ? MigrationMachine.destinationCleared(m, now)
                        : MigrationMachine.cleaned(m, now);
            }
            if (c instanceof Command.ClearDestination d) {
                vms.get(d.host()).remove(d.vm());
                return MigrationMachine.destinationCleared(m, now);
            }
            return m;
        }

        String describe(Migration m) {
            StringBuilder b = new StringBuilder(m.phase().name());
            m.code().ifPresent(c -> b.append(' ').append(c));
            b.append(' ').append(m.source()).append("→").append(m.destinationOrNone());
            Command c = MigrationMachine.next(m);
            if (!(c instanceof Command.None) && !(c instanceof Command.Admit)) {
                b.append(' ').append(c);
            }
            return b.toString();
        }

        int running(String application) {
            return InstanceLedger.of(instances, inventory, Set.of(), catalog).running(application);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void scenario(Path file) throws IOException {
        Map<String, Object> doc = map(YAML.readValue(Files.readString(file), Object.class));
        Sim sim = new Sim();
        CatalogValidator.Result r = CatalogValidator.validate(doc.get("catalog"));
        assertThat(r.errors()).as("the scenario's catalog").isEmpty();
        sim.catalog = r.catalog().orElseThrow();
        Map<String, Object> cfg = map(doc.getOrDefault("config", Map.of()));
        sim.concurrent = (int) number(cfg, "concurrent", 2);
        for (Object o : list(doc.get("hosts"))) {
            Map<String, Object> h = map(o);
            sim.hosts.put(String.valueOf(h.get("id")), h);
            sim.vms.put(String.valueOf(h.get("id")), new TreeMap<>());
        }
        for (Object o : list(doc.getOrDefault("vms", List.of()))) {
            Map<String, Object> v = map(o);
            String name = String.valueOf(v.get("name"));
            String host = String.valueOf(v.get("host"));
            String app = String.valueOf(v.get("application"));
            String service = String.valueOf(v.getOrDefault("service", "shop"));
            long epoch = (long) number(v, "epoch", 1);
            sim.vms.get(host).put(name, new Vm(name, app, service, String.valueOf(v.getOrDefault("state", "RUNNING")), epoch));
            if (epoch >= 1) {
                sim.instances.put(name, new ManagedInstance(name, app, service, host, epoch));
            }
        }
        sim.cordoned.addAll(strings(doc.getOrDefault("cordoned", List.of())));
        sim.poll();
        Map<String, Boolean> healthy = new HashMap<>();
        for (ApplicationSpec a : sim.catalog.applications().values()) {
            healthy.put(a.name(), sim.running(a.name()) >= a.minAvailable());
        }
        int n = 0;
        for (Object o : list(doc.get("script"))) {
            Map<String, Object> line = map(o);
            String where = file.getFileName() + " line " + (++n);
            sim.now += 1_000;
            strings(line.getOrDefault("kill", List.of())).forEach(sim.dead::add);
            strings(line.getOrDefault("revive", List.of())).forEach(sim.dead::remove);
            strings(line.getOrDefault("cordon", List.of())).forEach(sim.cordoned::add);
            map(line.getOrDefault("state", Map.of())).forEach((at, state) -> {
                String[] vmHost = at.split("@");
                sim.vms.get(vmHost[1]).computeIfPresent(vmHost[0], (k, v) -> v.with(String.valueOf(state)));
            });
            sim.poll();
            boolean allow = Boolean.TRUE.equals(line.get("allowDowntime"));
            if (line.containsKey("drain")) {
                drain(sim, String.valueOf(line.get("drain")), allow, map(line.getOrDefault("expect", Map.of())), where);
            }
            if (line.containsKey("migrate")) {
                String vm = String.valueOf(line.get("migrate"));
                Optional<String> to = Optional.ofNullable((String) line.get("to"));
                Optional<Migration> waiting = sim.active.values().stream()
                        .filter(m -> m.vm().equals(vm) && m.phase() == Phase.REQUESTED).findFirst();
                if (allow && waiting.isPresent()) {
                    sim.put(waiting.get().withAllowDowntime(true));
                } else {
                    Optional<String> refused = to.flatMap(t -> Admission.destinationRefusal(vm,
                            sim.instances.get(vm).application(), sim.instances.get(vm).host(), t, "", sim.world()));
                    if (refused.isPresent()) {
                        Map<String, Object> expect = map(line.getOrDefault("expect", Map.of()));
                        assertThat(expect).as("%s: the request was refused: %s", where, refused.get()).containsKey("refused");
                        strings(expect.get("refused")).forEach(s -> assertThat(refused.get()).as(where).contains(s));
                        continue;
                    }
                    sim.request(vm, to, Optional.empty(), allow);
                }
            }
            map(line.getOrDefault("fail", Map.of())).forEach((id, how) -> sim.faults.put(id, String.valueOf(how)));
            int rounds = (int) number(line, "rounds", 0);
            for (int k = 0; k < rounds; k++) {
                sim.now += 100;
                sim.round();
            }
            check(sim, healthy, where);
            Map<String, Object> expect = map(line.getOrDefault("expect", Map.of()));
            if (expect.containsKey("moves")) {
                Map<String, String> got = new TreeMap<>();
                sim.all.values().forEach(m -> got.put(m.id() + " " + m.vm(), sim.describe(m)));
                Map<String, String> want = new TreeMap<>();
                map(expect.get("moves")).forEach((k, v) -> want.put(k, String.valueOf(v)));
                assertThat(got).as("%s: the moves; notes %s", where, notes(sim)).isEqualTo(want);
            }
            if (expect.containsKey("notes")) {
                map(expect.get("notes")).forEach((id, words) -> {
                    String note = sim.all.get(id).note();
                    for (String w : strings(words)) {
                        assertThat(note).as("%s: the note of %s", where, id).contains(w);
                    }
                });
            }
            if (expect.containsKey("vms")) {
                Map<String, List<String>> want = new TreeMap<>();
                map(expect.get("vms")).forEach((k, v) -> want.put(k, strings(v)));
                Map<String, List<String>> got = new TreeMap<>();
                for (String h : want.keySet()) {
                    got.put(h, sim.vms.get(h).values().stream().map(v -> v.name() + " " + v.state() + " e" + v.epoch()).toList());
                }
                assertThat(got).as("%s: the hosts' VMs", where).isEqualTo(want);
            }
            if (expect.containsKey("instances")) {
                Map<String, String> got = new TreeMap<>();
                sim.instances.values().forEach(i -> got.put(i.name(), i.host() + " e" + i.epoch()));
                Map<String, String> want = new TreeMap<>();
                map(expect.get("instances")).forEach((k, v) -> want.put(k, String.valueOf(v)));
                assertThat(got).as("%s: instances", where).isEqualTo(want);
            }
        }
    }

    /** As the runner's drain: cordon, the queue from {@link Admission#drainQueue}, then what waits for downtime. */
    private static void drain(Sim sim, String host, boolean allow, Map<String, Object> expect, String where) {
        sim.cordoned.add(host);
        Admission.DrainQueue queue = Admission.drainQueue(host, sim.world());
        List<Migration> queued = new ArrayList<>();
        if (allow) {
            for (Migration w : List.copyOf(sim.active.values())) {
                if (w.source().equals(host) && w.phase() == Phase.REQUESTED && !w.allowDowntime()) {
                    Migration a = w.withAllowDowntime(true);
                    sim.put(a);
                    queued.add(a);
                }
            }
        }
        for (ManagedInstance i : queue.moves()) {
            queued.add(sim.request(i.name(), Optional.empty(), Optional.of(host), allow));
        }
        List<String> waiting = Admission.heldForDowntime(queued, sim.world()).stream()
                .map(h -> h.migration().id() + " " + h.migration().vm() + " " + h.code() + ": " + h.why()).toList();
        if (expect.containsKey("queued")) {
            assertThat(queued.stream().map(m -> m.id() + " " + m.vm()).toList()).as("%s: queued", where)
                    .isEqualTo(strings(expect.get("queued")));
        }
        if (expect.containsKey("waiting")) {
            assertThat(waiting).as("%s: waiting", where).isEqualTo(strings(expect.get("waiting")));
        }
        if (expect.containsKey("left")) {
            assertThat(queue.left()).as("%s: left", where).isEqualTo(strings(expect.get("left")));
        }
    }

    private static void check(Sim sim, Map<String, Boolean> healthy, String where) {
        Map<String, List<String>> runningOn = new TreeMap<>();
        sim.vms.forEach((h, vms) -> vms.values().stream().filter(v -> v.state().equals("RUNNING"))
                .forEach(v -> runningOn.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(h)));
        runningOn.forEach((vm, on) -> assertThat(on).as("%s: %s runs on two hosts", where, vm).hasSize(1));
        for (ApplicationSpec a : sim.catalog.applications().values()) {
            if (healthy.get(a.name()) && !sim.allowedDowntime.contains(a.name())) {
                assertThat(sim.running(a.name())).as("%s: %s running (minAvailable %d) with no downtime allowed", where,
                        a.name(), a.minAvailable()).isGreaterThanOrEqualTo(a.minAvailable());
            }
        }
    }

    private static Map<String, String> notes(Sim sim) {
        Map<String, String> out = new TreeMap<>();
        sim.all.values().forEach(m -> out.put(m.id(), m.note()));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    private static List<?> list(Object o) {
        return (List<?>) o;
    }

    private static List<String> strings(Object o) {
        if (o instanceof List<?> l) {
            return l.stream().map(String::valueOf).toList();
        }
        return List.of(String.valueOf(o));
    }

    private static double number(Map<String, Object> m, String key, double otherwise) {
        Object v = m.get(key);
        return v == null ? otherwise : ((Number) v).doubleValue();
    }
}
