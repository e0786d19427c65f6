package io.federa.manager.core.placement;

import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.core.spec.PlacementRules;
import io.federa.manager.core.spec.Resources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.federa.manager.core.placement.HostBuilder.host;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chain, check by check: every {@link Reason} has a case in which it alone refuses host h1,
 * with the sentence it gives; the engine's placement refuses that host too (the eligible set and
 * the hot loop agree with the test), and the chain runs in declaration order.
 */
class ReasonTest {
    /** One check's case: the hosts (h1 is the one refused), the application asked for, the plan so far. */
    private record Case(List<HostBuilder> hosts, Set<String> cordoned, ApplicationSpec app, List<Placed> planned,
                        String sentence) {
    }

    private static ApplicationSpec web(Resources r, PlacementRules rules) {
        return new ApplicationSpec("web", "kvm", r, 2, 1, List.of(), rules, Optional.empty());
    }

    private static final Resources SMALL = new Resources(2, 2048, 20, 100);
    private static final PlacementRules LOOSE = new PlacementRules(PlacementRules.Spread.NONE, List.of(), false, 0,
            PlacementRules.CostPreference.PREFER_CHEAPEST);

    private static PlacementRules rules(PlacementRules.Spread spread, List<String> avoid, boolean offsiteForbidden, int level) {
        return new PlacementRules(spread, avoid, offsiteForbidden, level, PlacementRules.CostPreference.PREFER_CHEAPEST);
    }

    private static final Map<Reason, Case> CASES = new EnumMap<>(Reason.class);

    static {
        CASES.put(Reason.HOST_UNREACHABLE, new Case(List.of(host("h1").reachable(false)), Set.of(), web(SMALL, LOOSE),
                List.of(), "h1 does not answer: agent agent-h1 is UNREACHABLE (connection refused)"));
        CASES.put(Reason.HOST_CORDONED, new Case(List.of(host("h1")), Set.of("h1"), web(SMALL, LOOSE), List.of(),
                "h1 is cordoned"));
        CASES.put(Reason.RUNTIME_NOT_OFFERED, new Case(List.of(host("h1").runtimes(List.of("lxc", "jvm"))), Set.of(),
                web(SMALL, LOOSE), List.of(), "kvm not in [lxc, jvm]"));
        CASES.put(Reason.OFFSITE_FORBIDDEN, new Case(List.of(host("h1").offsite(true).site("lyon")), Set.of(),
                web(SMALL, rules(PlacementRules.Spread.NONE, List.of(), true, 0)), List.of(), "h1 is offsite (lyon)"));
        CASES.put(Reason.SECURITY_LEVEL_TOO_LOW, new Case(List.of(host("h1").securityLevel(1)), Set.of(),
                web(SMALL, rules(PlacementRules.Spread.NONE, List.of(), false, 3)), List.of(), "level 1 < 3 required"));
        CASES.put(Reason.INSUFFICIENT_CPU, new Case(List.of(host("h1").cpus(4).vm("db-1", "", 3, 1024, 10)), Set.of(),
                web(SMALL, LOOSE), List.of(), "needs 2 vCPUs, 1 free of 4"));
        CASES.put(Reason.INSUFFICIENT_MEMORY, new Case(List.of(host("h1").memoryMiB(4096).vm("db-1", "", 1, 3072, 10)),
                Set.of(), web(SMALL, LOOSE), List.of(), "needs 2048 MiB, 1024 MiB free of 4096 MiB"));
        CASES.put(Reason.INSUFFICIENT_DISK, new Case(List.of(host("h1").storageGiB(30)), Set.of(), web(SMALL, LOOSE),
                List.of(new Placed("web-1", "web", "h1")), "needs 20 GiB, 10 GiB free of 30 GiB"));
        CASES.put(Reason.INSUFFICIENT_NETWORK, new Case(List.of(host("h1").networkMbps(1000).networkUsedMbps(950)), Set.of(),
                web(SMALL, LOOSE), List.of(), "needs 100 Mbps, 50 Mbps free of 1000 Mbps"));
        CASES.put(Reason.ANTI_AFFINITY_HOST, new Case(List.of(host("h1")), Set.of(),
                web(SMALL, rules(PlacementRules.Spread.HOST, List.of(), false, 0)), List.of(new Placed("web-1", "web", "h1")),
                "web already has web-1 (planned) on h1"));
        CASES.put(Reason.ANTI_AFFINITY_SITE, new Case(List.of(host("h1"), host("h2").vm("web-1", "web", 2, 2048, 20)),
                Set.of(), web(SMALL, rules(PlacementRules.Spread.SITE, List.of(), false, 0)), List.of(),
                "web already has web-1 (h2) on site paris"));
        CASES.put(Reason.AVOIDED_APPLICATION, new Case(List.of(host("h1").vm("batch-1", "batch", 2, 2048, 20)), Set.of(),
                web(SMALL, rules(PlacementRules.Spread.HOST, List.of("batch"), false, 0)), List.of(),
                "web avoids batch, and batch-1 runs here"));
    }

    private static Placement engine(Case c) {
        return engine(c.app(), c.hosts(), c.cordoned());
    }

    private static Placement engine(ApplicationSpec web, List<HostBuilder> hosts, Set<String> cordoned) {
        Map<String, ApplicationSpec> apps = new LinkedHashMap<>();
        apps.put("web", web);
        apps.put("batch", new ApplicationSpec("batch", "kvm", SMALL, 1, 1, List.of(), LOOSE, Optional.empty()));
        return Placement.of(HostBuilder.snapshot(hosts), cordoned, new Catalog(apps, Map.of()), PlacementConfig.defaults());
    }

    @Test
    void every_check_of_the_chain_has_a_case() {
        assertThat(CASES.keySet()).containsExactly(Reason.values());
    }

    @ParameterizedTest
    @EnumSource(Reason.class)
    void each_check_refuses_alone_and_says_why_with_its_numbers(Reason reason) {
        Case c = CASES.get(reason);
        Placement p = engine(c);
        PlacementRequest request = new PlacementRequest("web", "web-9");

        HostVerdict h1 = p.explain(request, c.planned()).get(0);
        assertThat(h1.host()).isEqualTo("h1");
        assertThat(h1.refusals()).containsExactly(new Refusal(reason, c.sentence()));

        // The placement path (the eligible set, the hot loop) refuses the same host, for the same reason.
        Outcome o = p.place(request, c.planned());
        if (o instanceof Outcome.Fits f) {
            assertThat(f.host()).isNotEqualTo("h1");
        } else {
            assertThat(((Outcome.Unschedulable) o).reasonsFor("h1")).containsExactly(reason);
        }
    }

    @ParameterizedTest
    @EnumSource(Reason.class)
    void without_its_cause_the_same_host_fits(Reason reason) {
        Case c = CASES.get(reason);
        Placement p = engine(c.app(), List.of(host("h1").securityLevel(5)), Set.of());
        Outcome o = p.place(new PlacementRequest("web", "web-9"));
        assertThat(o).isInstanceOf(Outcome.Fits.class);
        assertThat(((Outcome.Fits) o).host()).isEqualTo("h1");
    }

    @Test
    void the_capacity_checks_are_the_ones_more_room_could_lift() {
        assertThat(Reason.CHAIN.stream().filter(Reason::capacity)).containsExactly(Reason.INSUFFICIENT_CPU,
                Reason.INSUFFICIENT_MEMORY, Reason.INSUFFICIENT_DISK, Reason.INSUFFICIENT_NETWORK);
    }

    @Test
    void the_chain_runs_in_declaration_order() {
        assertThat(Reason.CHAIN).containsExactly(Reason.values());
        // A host that breaks every rule it can (an unreported host stops at the first) lists them in that order.
        HostBuilder worst = host("h1").runtimes(List.of("lxc")).offsite(true).site("lyon").securityLevel(0).cpus(1)
                .memoryMiB(1024).storageGiB(10).networkMbps(10).reachable(false)
                .vm("web-1", "web", 1, 16, 1).vm("batch-1", "batch", 0, 16, 1);
        Case c = new Case(List.of(worst), Set.of("h1"), web(SMALL, rules(PlacementRules.Spread.HOST, List.of("batch"), true, 3)),
                List.of(), "");
        List<Reason> listed = engine(c).explain(new PlacementRequest("web", "web-9"), List.of()).get(0).refusals()
                .stream().map(Refusal::reason).toList();
        List<Reason> expected = new ArrayList<>(List.of(Reason.values()));
        expected.remove(Reason.ANTI_AFFINITY_SITE);
        assertThat(listed).containsExactlyElementsOf(expected);
    }

    @Test
    void the_documented_chain_is_the_declared_one() throws IOException {
        String doc = Files.readString(Path.of("../docs/placement.md"));
        String table = doc.substring(doc.indexOf("## The chain"), doc.indexOf("### Capacity"));
        Matcher m = Pattern.compile("(?m)^\\| `([A-Z_]+)` \\|").matcher(table);
        List<String> documented = new ArrayList<>();
        while (m.find()) {
            documented.add(m.group(1));
        }
        assertThat(documented).containsExactlyElementsOf(Reason.CHAIN.stream().map(Reason::code).toList());
    }
}
