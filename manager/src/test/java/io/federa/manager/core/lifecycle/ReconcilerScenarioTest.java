package io.federa.manager.core.lifecycle;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.federa.manager.core.placement.PlacementConfig;
import io.federa.manager.core.placement.Strategy;
import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.core.spec.CatalogValidator;
import io.federa.manager.spec.CatalogYaml;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The golden reconcile scenarios of {@code src/test/resources/reconciler/}: each file gives hosts,
 * a catalog (inline, or a path from the repository's root), optionally VMs and recorded instances
 * to begin with, and a script. Each line of the script happens at a time {@code at} (ms): hosts
 * revived, killed, definitions applied again ({@code apply}, a catalog; {@code prune: true}
 * to remove what they leave in no service), services started or stopped, scaling targets set, hosts polled ({@code all} or
 * a list), then a reconcile pass — the production {@link Reconciler}, carried out by
 * {@link SimulatedFleet} as the lifecycle verticle would — whose actions, waits, recorded instances
 * and the hosts' VMs are compared with what the line expects. After every pass, whatever it expects,
 * no host carries more than its capacity or two replicas of an application that spreads over hosts.
 */
class ReconcilerScenarioTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path ROOT = Path.of(System.getProperty("federa.root", "..")).toAbsolutePath().normalize();
    private static final Path SCENARIOS = ROOT.resolve("manager/src/test/resources/reconciler");

    static Stream<Path> scenarios() throws IOException {
        try (Stream<Path> s = Files.list(SCENARIOS)) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void scenario(Path file) throws IOException {
        Map<String, Object> doc = map(YAML.readValue(Files.readString(file), Object.class));
        Catalog catalog = catalog(doc.get("catalog"));
        Map<String, Object> cfg = map(doc.getOrDefault("config", Map.of()));
        PlacementConfig config = new PlacementConfig(number(cfg, "overcommit", 1.0), Strategy.valueOf(
                String.valueOf(cfg.getOrDefault("strategy", "spread")).toUpperCase(java.util.Locale.ROOT)),
                (long) number(cfg, "seed", 0), 1.0);
        Map<String, Object> lc = map(doc.getOrDefault("lifecycle", Map.of()));
        List<SimulatedFleet.Host> hosts = new ArrayList<>();
        for (Object o : list(doc.get("hosts"))) {
            Map<String, Object> h = map(o);
            hosts.add(new SimulatedFleet.Host(String.valueOf(h.get("id")), String.valueOf(h.getOrDefault("site", "paris")),
                    Boolean.TRUE.equals(h.get("offsite")), (int) number(h, "securityLevel", 3), (int) number(h, "cpus", 16),
                    (long) number(h, "memoryMiB", 65536), (long) number(h, "storageGiB", 2000)));
        }
        SimulatedFleet fleet = new SimulatedFleet(hosts, catalog, config, (long) number(lc, "grace", 3_000),
                (long) number(lc, "margin", 1_000), (long) number(lc, "lease", 5_000), 0);
        for (Object o : list(doc.getOrDefault("vms", List.of()))) {
            Map<String, Object> v = map(o);
            ApplicationSpec app = catalog.applications().get(String.valueOf(v.get("application")));
            fleet.vms.get(String.valueOf(v.get("host"))).put(String.valueOf(v.get("name")), new SimulatedFleet.Vm(
                    String.valueOf(v.get("name")), app.name(), String.valueOf(v.get("service")),
                    String.valueOf(v.getOrDefault("state", "RUNNING")), (long) number(v, "epoch", 1), app.resources().vcpus(),
                    app.resources().memoryMiB(), app.resources().diskGiB()));
        }
        for (Object o : list(doc.getOrDefault("instances", List.of()))) {
            Map<String, Object> i = map(o);
            fleet.instances.put(String.valueOf(i.get("name")), new ManagedInstance(String.valueOf(i.get("name")),
                    String.valueOf(i.get("application")), String.valueOf(i.get("service")), String.valueOf(i.get("host")),
                    (long) number(i, "epoch", 1)));
        }
        for (Object o : list(doc.get("script"))) {
            Map<String, Object> line = map(o);
            long at = (long) number(line, "at", 0);
            String where = file.getFileName() + " at " + at;
            if (line.containsKey("apply")) {
                fleet.catalog = catalog(line.get("apply"));
            }
            if (Boolean.TRUE.equals(line.get("prune"))) {
                // As the lifecycle does for apply --prune: what is in no service now goes with its data.
                InstanceLedger.of(fleet.instances, fleet.inventory, Set.of(), fleet.catalog).orphaned()
                        .forEach(i -> fleet.prune.add(i.name()));
            }
            strings(line.getOrDefault("revive", List.of())).forEach(fleet::revive);
            strings(line.getOrDefault("kill", List.of())).forEach(h -> fleet.kill(h, at));
            strings(line.getOrDefault("start", List.of())).forEach(s -> fleet.desired.put(s, DesiredState.STARTED));
            strings(line.getOrDefault("stop", List.of())).forEach(s -> fleet.desired.put(s, DesiredState.STOPPED));
            map(line.getOrDefault("target", Map.of())).forEach((app, n) -> fleet.targets.put(app, ((Number) n).intValue()));
            Object poll = line.get("poll");
            if ("all".equals(poll)) {
                fleet.pollAll(at);
            } else if (poll != null) {
                strings(poll).forEach(h -> fleet.poll(h, at));
            }
            if (!Boolean.TRUE.equals(line.get("pass")) && !line.containsKey("expect")) {
                continue;
            }
            int before = fleet.log.size();
            Plan plan = fleet.pass(at);
            List<String> actions = fleet.log.subList(before, fleet.log.size()).stream()
                    .map(a -> a.replaceFirst(" refused: .*", " refused")).toList();
            assertThat(SimulatedFleetInvariants.violations(fleet)).as("%s: the hosts' VMs %s", where, fleet.vmsByHost()).isEmpty();
            Map<String, Object> expect = map(line.getOrDefault("expect", Map.of()));
            if (expect.containsKey("actions")) {
                assertThat(actions).as("%s: actions; waits %s; %s", where, plan.waiting(), plan.unschedulable()).isEqualTo(strings(expect.get("actions")));
            }
            if (expect.containsKey("waits")) {
                assertThat(plan.waits().stream().map(w -> w.subject() + " " + w.kind()).toList())
                        .as("%s: waits %s", where, plan.waiting()).isEqualTo(strings(expect.get("waits")));
            }
            if (expect.containsKey("instances")) {
                Map<String, String> got = new TreeMap<>();
                fleet.instances.values().forEach(i -> got.put(i.name(), i.host() + " e" + i.epoch()));
                Map<String, String> want = new TreeMap<>();
                map(expect.get("instances")).forEach((k, v) -> want.put(k, String.valueOf(v)));
                assertThat(got).as("%s: instances", where).isEqualTo(want);
            }
            if (expect.containsKey("vms")) {
                Map<String, List<String>> want = new TreeMap<>();
                map(expect.get("vms")).forEach((k, v) -> want.put(k, strings(v)));
                Map<String, List<String>> got = new TreeMap<>(fleet.vmsByHost());
                got.keySet().retainAll(want.keySet());
                assertThat(got).as("%s: the hosts' VMs", where).isEqualTo(want);
            }
        }
    }

    private static Catalog catalog(Object spec) throws IOException {
        CatalogValidator.Result r = spec instanceof String path
                ? CatalogYaml.parse(Files.readString(ROOT.resolve(path)))
                : CatalogValidator.validate(spec);
        assertThat(r.errors()).as("the scenario's catalog").isEmpty();
        return r.catalog().orElseThrow();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    private static List<?> list(Object o) {
        return (List<?>) o;
    }

    private static List<String> strings(Object o) {
        return ((List<?>) o).stream().map(String::valueOf).toList();
    }

    private static double number(Map<String, Object> m, String key, double otherwise) {
        Object v = m.get(key);
        return v == null ? otherwise : ((Number) v).doubleValue();
    }
}
