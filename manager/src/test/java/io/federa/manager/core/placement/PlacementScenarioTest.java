package io.federa.manager.core.placement;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.core.spec.CatalogValidator;
import io.federa.manager.spec.CatalogYaml;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The golden placement scenarios of {@code src/test/resources/placement/}: each file gives hosts,
 * their VMs, a catalog (inline, or a path from the repository's root), the settings and what to
 * plan, and expects which host each instance goes to, or for each instance not placed, every
 * host and its reasons (a bare code, or "CODE: the whole sentence"); requests that cannot be
 * evaluated are listed under {@code unresolvable}. Each scenario runs twice,
 * the second time with its hosts listed in reverse order: the answer must not change.
 */
class PlacementScenarioTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path ROOT = Path.of(System.getProperty("federa.root", "..")).toAbsolutePath().normalize();
    private static final Path SCENARIOS = ROOT.resolve("manager/src/test/resources/placement");

    static Stream<Path> scenarios() throws IOException {
        try (Stream<Path> s = Files.list(SCENARIOS)) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void scenario(Path file) throws IOException {
        Map<String, Object> doc = map(YAML.readValue(Files.readString(file), Object.class));
        List<HostBuilder> hosts = hosts(doc);
        Catalog catalog = catalog(doc.get("catalog"));
        Map<String, Object> cfg = doc.containsKey("config") ? map(doc.get("config")) : Map.of();
        PlacementConfig config = new PlacementConfig(number(cfg, "overcommit", 1.0),
                Strategy.valueOf(String.valueOf(cfg.getOrDefault("strategy", "spread")).toUpperCase(java.util.Locale.ROOT)),
                (long) number(cfg, "seed", 0), number(cfg, "networkLoadRatio", 1.0));
        Set<String> cordoned = new HashSet<>(strings(cfg.getOrDefault("cordoned", List.of())));

        PlacementPlan plan = run(doc, HostBuilder.snapshot(hosts), cordoned, catalog, config);
        List<HostBuilder> reversed = new ArrayList<>(hosts);
        Collections.reverse(reversed);
        PlacementPlan again = run(doc, HostBuilder.snapshot(reversed), cordoned, catalog, config);
        assertThat(again).as("the same answer with the hosts listed in reverse").isEqualTo(plan);

        Map<String, Object> expect = map(doc.get("expect"));
        String explain = plan.explain();
        Map<String, String> placed = new TreeMap<>();
        plan.placed().forEach(p -> placed.put(p.instance(), p.host()));
        Map<String, String> wanted = new TreeMap<>();
        map(expect.getOrDefault("placements", Map.of())).forEach((k, v) -> wanted.put(k, String.valueOf(v)));
        assertThat(placed).as("placements; the plan:\n%s", explain).isEqualTo(wanted);

        Map<String, Object> unplaced = map(expect.getOrDefault("unplaced", Map.of()));
        assertThat(plan.unplaced().stream().filter(o -> o instanceof Outcome.Unschedulable).map(Outcome::instance).toList())
                .as("not placed; the plan:\n%s", explain).containsExactlyInAnyOrderElementsOf(unplaced.keySet());
        assertThat(plan.unplaced().stream().filter(o -> o instanceof Outcome.Unresolvable)
                .map(o -> o.instance() + ": " + ((Outcome.Unresolvable) o).why()).toList())
                .as("unresolvable requests").isEqualTo(strings(expect.getOrDefault("unresolvable", List.of())));
        for (Map.Entry<String, Object> e : unplaced.entrySet()) {
            Outcome o = plan.outcome(e.getKey()).orElseThrow();
            Map<String, List<String>> got = new LinkedHashMap<>();
            for (HostRefusals h : ((Outcome.Unschedulable) o).hosts()) {
                got.put(h.host(), h.refusals().stream().map(Refusal::toString).toList());
            }
            Map<String, Object> byHost = map(e.getValue());
            assertThat(got.keySet()).as("every host is named for %s", e.getKey()).isEqualTo(byHost.keySet());
            for (Map.Entry<String, Object> h : byHost.entrySet()) {
                List<String> want = strings(h.getValue());
                List<String> have = got.get(h.getKey());
                List<String> compared = new ArrayList<>();
                for (int k = 0; k < have.size(); k++) {
                    boolean full = k < want.size() && want.get(k).contains(":");
                    compared.add(full ? have.get(k) : have.get(k).substring(0, have.get(k).indexOf(':')));
                }
                assertThat(compared).as("%s on %s; the plan:\n%s", e.getKey(), h.getKey(), explain).isEqualTo(want);
            }
        }
        map(expect.getOrDefault("runnerUps", Map.of())).forEach((instance, host) -> {
            Outcome.Fits f = (Outcome.Fits) plan.outcome(instance).orElseThrow();
            assertThat(f.runnerUp().map(Outcome.RunnerUp::host).orElse("none")).as("runner-up of %s", instance)
                    .isEqualTo(String.valueOf(host));
        });
        if (expect.containsKey("explain")) {
            assertThat(explain).isEqualTo(String.valueOf(expect.get("explain")));
        }
    }

    private static PlacementPlan run(Map<String, Object> doc, InventorySnapshot snapshot, Set<String> cordoned,
                                     Catalog catalog, PlacementConfig config) {
        Placement placement = Placement.of(snapshot, cordoned, catalog, config);
        Object what = doc.getOrDefault("plan", "all");
        if ("all".equals(what)) {
            return placement.placeAll();
        }
        Map<String, Object> p = map(what);
        if (p.containsKey("service")) {
            return placement.planService(String.valueOf(p.get("service")));
        }
        List<PlacementRequest> requests = new ArrayList<>();
        for (Object o : (List<?>) p.get("instances")) {
            Map<String, Object> r = map(o);
            requests.add(new PlacementRequest(String.valueOf(r.get("application")), String.valueOf(r.get("instance"))));
        }
        return placement.plan(requests);
    }

    private static List<HostBuilder> hosts(Map<String, Object> doc) {
        List<HostBuilder> out = new ArrayList<>();
        Map<String, HostBuilder> byId = new LinkedHashMap<>();
        for (Object o : (List<?>) doc.get("hosts")) {
            Map<String, Object> h = map(o);
            HostBuilder b = HostBuilder.host(String.valueOf(h.get("id")));
            h.forEach((k, v) -> set(b, k, v));
            out.add(b);
            byId.put(b.id(), b);
        }
        for (Object o : (List<?>) doc.getOrDefault("vms", List.of())) {
            Map<String, Object> v = map(o);
            HostBuilder b = byId.get(String.valueOf(v.get("host")));
            if (b == null) {
                throw new IllegalArgumentException("VM on an unknown host: " + v);
            }
            b.vm(String.valueOf(v.get("name")), String.valueOf(v.getOrDefault("application", "")),
                    (int) number(v, "vcpus", 1), (long) number(v, "memoryMiB", 1024), (long) number(v, "diskGiB", 10),
                    String.valueOf(v.getOrDefault("state", "RUNNING")));
        }
        return out;
    }

    private static void set(HostBuilder b, String key, Object v) {
        switch (key) {
            case "id" -> { }
            case "site" -> b.site(String.valueOf(v));
            case "offsite" -> b.offsite((Boolean) v);
            case "securityLevel" -> b.securityLevel(((Number) v).intValue());
            case "runtimes" -> b.runtimes(strings(v));
            case "cpus" -> b.cpus(((Number) v).intValue());
            case "memoryMiB" -> b.memoryMiB(((Number) v).longValue());
            case "storageGiB" -> b.storageGiB(((Number) v).longValue());
            case "networkMbps" -> b.networkMbps(((Number) v).longValue());
            case "networkUsedMbps" -> b.networkUsedMbps(((Number) v).doubleValue());
            case "vcpusAllocated" -> b.vcpusAllocated(((Number) v).intValue());
            case "memoryAllocatedMiB" -> b.memoryAllocatedMiB(((Number) v).longValue());
            case "storageAllocatedGiB" -> b.storageAllocatedGiB(((Number) v).longValue());
            case "reachable" -> b.reachable((Boolean) v);
            case "reported" -> b.reported((Boolean) v);
            case "agent" -> b.agent(String.valueOf(v));
            case "cost" -> map(v).forEach((ck, cv) -> {
                switch (ck) {
                    case "currency" -> b.currency(String.valueOf(cv));
                    case "perCpuSecond" -> b.perCpuSecond(((Number) cv).doubleValue());
                    case "perStorageGiBHour" -> b.perStorageGiBHour(((Number) cv).doubleValue());
                    case "perNetworkGB" -> b.perNetworkGB(((Number) cv).doubleValue());
                    case "perNetworkPacket" -> b.perNetworkPacket(((Number) cv).doubleValue());
                    default -> throw new IllegalArgumentException("unknown cost field " + ck);
                }
            });
            default -> throw new IllegalArgumentException("unknown host field " + key);
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

    private static List<String> strings(Object o) {
        return ((List<?>) o).stream().map(String::valueOf).toList();
    }

    private static double number(Map<String, Object> m, String key, double otherwise) {
        Object v = m.get(key);
        return v == null ? otherwise : ((Number) v).doubleValue();
    }
}
